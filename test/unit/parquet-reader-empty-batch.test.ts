// parquet-wasm has not been seen to hand out an empty record batch, but a reader that took a buffer
// turn for one would put the batch after it into the buffers of the batch before it, still in use:
// here readParquet is made to return one between two real batches.
import { DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as actual from 'parquet-wasm';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { quoteLiteral } from '../../src/spec/identifiers.js';

const inject = { empty: false };

vi.mock('parquet-wasm', async (importOriginal) => {
  const pw = await importOriginal<typeof actual>();
  return {
    ...pw,
    readParquet: (bytes: Uint8Array, options: actual.ReaderOptions) => {
      const table = pw.readParquet(bytes, options);
      if (!inject.empty) return table;
      const [first, ...rest] = table.recordBatches();
      // A zero-row batch of the same columns, as parquet-wasm would give it.
      const schema = arrow.tableFromIPC(first.schema.intoIPCStream()).schema;
      const children = schema.fields.map((f) => arrow.makeData({ type: f.type, length: 0 } as never));
      const zero = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: 0, children }));
      const empty = pw.Table.fromIPCStream(arrow.tableToIPC(new arrow.Table([zero]), 'stream')).recordBatches();
      return { schema: table.schema, recordBatches: () => [first, ...empty, ...rest], free: () => table.free() };
    },
  };
});

const { parquetBatches } = await import('../../src/scoring/parquetReader.js');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-empty-batch-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('an empty record batch', () => {
  it('takes no turn of the buffers: the batch before it stays as it was while the one after it is read', async () => {
    const file = path.join(dir, 'x.parquet');
    const conn = await (await DuckDBInstance.create()).connect();
    await conn.run(`COPY (SELECT range AS id, range::DOUBLE / 2 AS x FROM range(6000)) TO ${quoteLiteral(file)} (FORMAT parquet)`);
    inject.empty = true;
    const values = (t: arrow.Table) => Array.from(t.getChild('id')!.toArray() as BigInt64Array, Number);
    const tables: { table: arrow.Table; ids: number[] }[] = [];
    for await (const table of (await parquetBatches([{ path: file }], 2048))!) {
      for (const held of tables.slice(-1)) expect(values(held.table)).toEqual(held.ids);
      tables.push({ table, ids: values(table) });
    }
    expect(tables.map((t) => t.ids.length)).toEqual([2048, 2048, 1904]);
    expect(tables.flatMap((t) => t.ids)).toEqual(Array.from({ length: 6000 }, (_, i) => i));
  });
});
