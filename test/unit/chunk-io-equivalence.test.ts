// The chunk I/O fast path (parquet-wasm: parquetReader.ts, parquetWriter.ts) against the DuckDB path it
// stands in for (recordBatches.ts, outputWriter.ts), on real parquet files: the predictor must see the
// same columns, types, values and NULLs, and the output file must read back in DuckDB with the same
// column names, types and rows, whichever path a chunk took.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { normalizeOutput, type OutputColumn, type StorageType } from '../../src/predictors/normalizeOutput.js';
import type { ColumnKind } from '../../src/spec/columnTypes.js';
import { quoteIdentifier, quoteLiteral } from '../../src/spec/identifiers.js';
import { chunkSource, openChunkIO, type ChunkIOOptions } from '../../src/scoring/chunkIO.js';
import type { PredictorInput } from '../../src/scoring/predictorInput.js';
import { encodedIpc, rememberIpc } from '../../src/scoring/encodedIpc.js';
import { OutputWriter } from '../../src/scoring/outputWriter.js';
import type * as ParquetReaderModule from '../../src/scoring/parquetReader.js';
import { parquetBatches, type ParquetPart } from '../../src/scoring/parquetReader.js';
import { ParquetWriter } from '../../src/scoring/parquetWriter.js';
import { PlainParquetWriter, ROW_GROUP_ROWS } from '../../src/scoring/plainParquet/writer.js';
import * as pw from 'parquet-wasm';
import { readRecordBatches } from '../../src/scoring/recordBatches.js';

// openChunkIO takes the DuckDB path when parquetBatches declines a file: `wasm.off` makes it decline
// any file, so that the same chunk can go through both paths.
const wasm = vi.hoisted(() => ({ off: false }));
vi.mock('../../src/scoring/parquetReader.js', async (importOriginal) => {
  const actual = await importOriginal<typeof ParquetReaderModule>();
  return {
    ...actual,
    parquetBatches: (parts: ParquetPart[], batchRows: number) =>
      wasm.off ? Promise.resolve(undefined) : actual.parquetBatches(parts, batchRows),
  };
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-chunk-io-'));
const file = (name: string) => path.join(dir, name);
let db: DuckDBInstance;
let reader: DuckDBConnection;
let writer: DuckDBConnection;

beforeAll(async () => {
  // Insertion order kept (DuckDB's default, unlike the worker's engine): rows compare in order.
  db = await DuckDBInstance.create(':memory:');
  reader = await db.connect();
  writer = await db.connect();
});
afterAll(() => {
  reader?.closeSync();
  writer?.closeSync();
  db?.closeSync();
  fs.rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------
// Reading

/** Every type the fast path reads, NULLs in every column, rows numbered from `first`. */
const ELIGIBLE = (first: number, last: number) => `SELECT
    CASE WHEN i % 97 = 3 THEN NULL ELSE i END::BIGINT AS id,
    CASE WHEN i % 5 = 0 THEN NULL ELSE i % 256 - 128 END::TINYINT AS i8,
    CASE WHEN i % 6 = 1 THEN NULL ELSE i % 65536 - 32768 END::SMALLINT AS i16,
    CASE WHEN i % 7 = 2 THEN NULL ELSE i * 104729 % 4000000000 - 2000000000 END::INTEGER AS i32,
    CASE WHEN i % 8 = 3 THEN NULL ELSE i * 1000000007 * 1000 - 9000000000000000000 END::BIGINT AS i64,
    CASE WHEN i % 9 = 4 THEN NULL ELSE i % 256 END::UTINYINT AS u8,
    CASE WHEN i % 10 = 5 THEN NULL ELSE i % 65536 END::USMALLINT AS u16,
    CASE WHEN i % 11 = 6 THEN NULL ELSE 4294967295 - i END::UINTEGER AS u32,
    CASE WHEN i % 12 = 7 THEN NULL ELSE 18446744073709551615 - i END::UBIGINT AS u64,
    CASE WHEN i % 13 = 8 THEN NULL ELSE i / 3 END::FLOAT AS f32,
    CASE WHEN i % 14 = 9 THEN NULL ELSE i / 7 - 1000 END::DOUBLE AS f64,
    CASE WHEN i % 15 = 10 THEN NULL ELSE i % 2 = 0 END::BOOLEAN AS flag,
    CASE WHEN i % 16 = 11 THEN NULL ELSE 's' || i END::VARCHAR AS short_text,
    CASE WHEN i % 17 = 12 THEN NULL ELSE repeat('ünïcødé ✓ ', 1 + i % 3) || i END::VARCHAR AS long_text,
    CASE WHEN i % 18 = 13 THEN NULL ELSE DATE '1969-12-01' + (i % 20000)::INTEGER END::DATE AS day,
    CASE WHEN i % 19 = 14 THEN NULL ELSE TIMESTAMP '1969-12-31 23:00:00' + to_microseconds(i * 1234567) END::TIMESTAMP AS ts
  FROM range(${first}, ${last}) r(i)`;

type Cells = Record<string, unknown[]>;

/** A value as stored: timestamps and dates by their integer (Arrow's getters turn them into milliseconds). */
function cell(vector: arrow.Vector, i: number): unknown {
  if (!vector.isValid(i)) return null;
  const type = vector.type;
  if (arrow.DataType.isTimestamp(type) || arrow.DataType.isDate(type)) {
    let at = i;
    for (const data of vector.data) {
      if (at < data.length) return (data.values as ArrayLike<unknown>)[at];
      at -= data.length;
    }
  }
  return vector.get(i);
}

/** The batches' schema, sizes and every value (copied out before the next batch: DuckDB's reuse buffers). */
async function collect(batches: AsyncIterable<arrow.Table>) {
  let schema: string[] | undefined;
  const sizes: number[] = [];
  const cells: Cells = {};
  for await (const table of batches) {
    const fields = table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`);
    schema ??= fields;
    expect(fields).toEqual(schema);
    sizes.push(table.numRows);
    for (const field of table.schema.fields) {
      const vector = table.getChild(field.name)!;
      const column = (cells[field.name] ??= []);
      for (let i = 0; i < vector.length; i++) column.push(cell(vector, i));
    }
  }
  return { schema: schema!, sizes, cells };
}

async function bothReads(parts: ParquetPart[], batchRows: number) {
  const fast = await parquetBatches(parts, batchRows);
  expect(fast).toBeDefined();
  return { wasm: await collect(fast!), duckdb: await collect(readRecordBatches(reader, chunkSource(parts), batchRows)) };
}

describe('parquetBatches reads what readRecordBatches reads', () => {
  const a = file('a.parquet'); // 12 345 rows in groups of 1000
  const b = file('b.parquet'); // 11 000 rows in groups of 5000
  beforeAll(async () => {
    await reader.run(`COPY (${ELIGIBLE(0, 12_345)}) TO ${quoteLiteral(a)} (FORMAT parquet, ROW_GROUP_SIZE 1000)`);
    await reader.run(`COPY (${ELIGIBLE(50_000, 61_000)}) TO ${quoteLiteral(b)} (FORMAT parquet, ROW_GROUP_SIZE 5000)`);
    const groups = await reader.runAndReadAll(
      `SELECT file_name, count(DISTINCT row_group_id)::INTEGER FROM parquet_metadata([${quoteLiteral(a)}, ${quoteLiteral(b)}]) GROUP BY ALL ORDER BY 1`,
    );
    expect(groups.getRows()).toHaveLength(2);
    for (const [, count] of groups.getRows()) expect(count).toBeGreaterThan(1);
  });

  const cases: [string, () => ParquetPart[]][] = [
    ['a whole file', () => [{ path: a }]],
    ['a row range across row groups', () => [{ path: a, rowStart: 1_500, rowEnd: 9_321 }]],
    [
      'several parts: ranges and a whole file',
      () => [
        { path: a, rowStart: 100, rowEnd: 4_100 },
        { path: b },
        { path: a, rowStart: 9_000, rowEnd: 12_345 },
        { path: b, rowStart: 4_999, rowEnd: 5_001 },
      ],
    ],
  ];
  for (const [what, parts] of cases) {
    for (const batchRows of [2048, 3000]) {
      it(`${what}, batches of ${batchRows}`, async () => {
        const { wasm, duckdb } = await bothReads(parts(), batchRows);
        expect(wasm.schema).toEqual(duckdb.schema);
        expect(wasm.schema.map((f) => f.split(':')[0])).toEqual([
          'id',
          'i8',
          'i16',
          'i32',
          'i64',
          'u8',
          'u16',
          'u32',
          'u64',
          'f32',
          'f64',
          'flag',
          'short_text',
          'long_text',
          'day',
          'ts',
        ]);
        const rows = parts().reduce((sum, p) => sum + (p.rowEnd ?? (p.path === a ? 12_345 : 11_000)) - (p.rowStart ?? 0), 0);
        expect(wasm.sizes.reduce((x, y) => x + y)).toBe(rows);
        expect(duckdb.sizes.reduce((x, y) => x + y)).toBe(rows);
        for (const size of wasm.sizes) expect(size).toBeGreaterThan(0);
        expect(Math.max(...wasm.sizes)).toBeLessThanOrEqual(batchRows);
        for (const name of Object.keys(duckdb.cells)) {
          expect(duckdb.cells[name].some((v) => v === null)).toBe(true); // the data does have NULLs here
          expect(wasm.cells[name], name).toEqual(duckdb.cells[name]);
        }
      });
    }
  }

  it("sends nothing beyond a batch's own bytes: a boolean column's bits and the NULL bitmaps are cut to their length, not WebAssembly memory after them", async () => {
    let batches = 0;
    for await (const table of (await parquetBatches([{ path: a }], 2048))!) {
      expect(table.schema.fields.some((f) => arrow.DataType.isBool(f.type))).toBe(true);
      // What was sent, read back: each bitmap holds its rows' bits (padded to 8 bytes), no more.
      const sent = arrow.tableFromIPC(encodedIpc(table)!);
      const bitmapBytes = (n: number) => Math.ceil(Math.ceil(n / 8) / 8) * 8;
      for (const data of sent.batches.flatMap((b) => b.data.children)) {
        if (data.nullBitmap) expect(data.nullBitmap.byteLength, String(data.type)).toBeLessThanOrEqual(bitmapBytes(data.length));
        if (arrow.DataType.isBool(data.type)) expect(data.values.byteLength).toBeLessThanOrEqual(bitmapBytes(data.length));
      }
      batches++;
    }
    expect(batches).toBeGreaterThan(3);
  });

  it('keeps a batch as it was while the next one is read (a model holds one while the next is read), and gives no two chunks the same buffers', async () => {
    const cellsOf = (t: arrow.Table) =>
      t.schema.fields.map((f) => {
        const v = t.getChild(f.name)!;
        return Array.from({ length: v.length }, (_, i) => cell(v, i));
      });
    const buffersOf = (t: arrow.Table) => new Set(t.batches.flatMap((b) => b.data.children.map((c) => c.values.buffer)));
    const other = (await parquetBatches([{ path: b }], 2048))!;
    const otherBuffers = buffersOf((await other.next()).value as arrow.Table);
    let previous: { table: arrow.Table; cells: unknown[][] } | undefined;
    let batches = 0;
    for await (const table of (await parquetBatches([{ path: a }], 2048))!) {
      // The batch before this one, read before it: not changed by reading this one.
      if (previous) expect(cellsOf(previous.table)).toEqual(previous.cells);
      for (const buffer of buffersOf(table)) expect(otherBuffers.has(buffer)).toBe(false);
      previous = { table, cells: cellsOf(table) };
      batches++;
    }
    expect(batches).toBeGreaterThan(3);
    await other.return(undefined);
  });

  // Known mismatch on the DuckDB side: readRecordBatches builds its table from an object, so a
  // column named like an integer ("2") comes first there, while parquet-wasm keeps the file's order.
  // The output file is not affected (the DuckDB join takes the input columns from the file).
  it('a column named like a number stays in place on both paths', async () => {
    const digits = file('digits.parquet');
    await reader.run(`COPY (SELECT 1::BIGINT AS id, 2::TINYINT AS "2", 'x' AS name) TO ${quoteLiteral(digits)} (FORMAT parquet)`);
    const { wasm, duckdb } = await bothReads([{ path: digits }], 2048);
    expect(wasm.schema).toEqual(['id: Int64', '2: Int8', 'name: Utf8']);
    expect(duckdb.schema).toEqual(wasm.schema);
  });

  it('yields one empty table with the columns for an empty file', async () => {
    const empty = file('empty.parquet');
    await reader.run(`COPY (${ELIGIBLE(0, 0)}) TO ${quoteLiteral(empty)} (FORMAT parquet)`);
    const { wasm, duckdb } = await bothReads([{ path: empty }], 2048);
    expect(wasm.sizes).toEqual([0]);
    expect(duckdb.sizes).toEqual([0]);
    expect(wasm.schema).toEqual(duckdb.schema);
    expect(wasm.schema).toHaveLength(16);
    // An empty row range of a file that has rows: the same.
    const range = await bothReads([{ path: a, rowStart: 10, rowEnd: 10 }], 2048);
    expect(range.wasm.sizes).toEqual([0]);
    expect(range.wasm.schema).toEqual(range.duckdb.schema);
  });

  // Types DuckDB's reader casts (decimals to DOUBLE, other timestamps to TIMESTAMP, the rest to VARCHAR):
  // the fast path must leave these files to it.
  const declined: [string, string][] = [
    ['DECIMAL(10,2)', `(i / 100)::DECIMAL(10, 2)`],
    ['DECIMAL(38,10)', `(i / 100)::DECIMAL(38, 10)`],
    ['TIMESTAMP_NS', `(TIMESTAMP_NS '2026-01-01 00:00:00.123456789' + to_seconds(i))::TIMESTAMP_NS`],
    ['TIMESTAMP WITH TIME ZONE', `TIMESTAMPTZ '2026-01-01 00:00:00+02' + to_seconds(i)`],
    ['INTEGER[]', `[i::INTEGER, NULL, i::INTEGER + 1]`],
    ['DOUBLE[]', `[i / 2]::DOUBLE[]`],
    ['STRUCT(x BIGINT, y VARCHAR)', `{'x': i, 'y': 's' || i}`],
    ['BLOB', `('b' || i)::BLOB`],
    ['TIME', `(TIME '12:00:00' + to_seconds(i))::TIME`],
    ['UUID', `uuid()`],
  ];
  for (const [type, expr] of declined) {
    it(`leaves a file with a ${type} column to DuckDB`, async () => {
      const path = file(`declined-${type.replace(/\W/g, '_')}.parquet`);
      await reader.run(`COPY (SELECT i::INTEGER AS n, ${expr} AS odd FROM range(10) r(i)) TO ${quoteLiteral(path)} (FORMAT parquet)`);
      expect(await describeFile(path)).toEqual(['n INTEGER', `odd ${type}`]); // the file does hold that type
      expect(await parquetBatches([{ path }], 2048)).toBeUndefined();
      // Also when it is only one of the chunk's parts.
      expect(await parquetBatches([{ path: a, rowStart: 0, rowEnd: 5 }, { path }], 2048)).toBeUndefined();
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// Writing

function validity(n: number, isNull: (i: number) => boolean): Uint8Array {
  const bits = new Uint8Array(Math.ceil(n / 8)).fill(0xff);
  for (let i = 0; i < n; i++) if (isNull(i)) bits[i >> 3] &= ~(1 << (i & 7));
  return bits;
}

function fixed<T extends { length: number; [i: number]: number | bigint }>(
  name: string,
  storage: StorageType,
  kind: ColumnKind,
  values: T,
  nullEvery: number,
  extra: Partial<OutputColumn> = {},
): OutputColumn {
  return { name, storage, kind, values: values as never, validity: validity(values.length, (i) => i % nullEvery === 1), ...extra };
}

/** One batch of predictions with every storage type, rows numbered from `first`. */
function predictions(first: number, n: number): OutputColumn[] {
  const seq = <T>(f: (i: number) => T) => Array.from({ length: n }, (_, k) => f(first + k));
  const offsets = new Int32Array(n + 1);
  const items: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = first + k;
    for (let j = 0; j < i % 4; j++) items.push(i + j / 4); // lengths 0..3: empty lists too
    offsets[k + 1] = items.length;
  }
  return [
    fixed('d', 'DOUBLE', 'float', Float64Array.from(seq((i) => i / 3 - 500)), 7),
    fixed('f', 'FLOAT', 'float', Float32Array.from(seq((i) => i / 7)), 8),
    fixed('i8', 'TINYINT', 'int', Int8Array.from(seq((i) => (i % 256) - 128)), 9),
    fixed('i16', 'SMALLINT', 'int', Int16Array.from(seq((i) => (i % 65536) - 32768)), 10),
    fixed('i32', 'INTEGER', 'int', Int32Array.from(seq((i) => i * 104729 - 2e9)), 11),
    fixed('i64', 'BIGINT', 'int', BigInt64Array.from(seq((i) => BigInt(i) * 1_000_000_007_000n - 9_000_000_000_000_000_000n)), 12),
    fixed('u8', 'UTINYINT', 'int', Uint8Array.from(seq((i) => i % 256)), 13),
    fixed('u16', 'USMALLINT', 'int', Uint16Array.from(seq((i) => i % 65536)), 14),
    fixed('u32', 'UINTEGER', 'int', Uint32Array.from(seq((i) => 4294967295 - i)), 15),
    fixed('u64', 'UBIGINT', 'int', BigUint64Array.from(seq((i) => 18446744073709551615n - BigInt(i))), 16),
    fixed('ok', 'BOOLEAN', 'bool', Uint8Array.from(seq((i) => (i % 3 === 0 ? 1 : 0))), 17),
    fixed('day', 'DATE', 'date', Int32Array.from(seq((i) => (i % 30000) - 10000)), 18),
    fixed('at', 'TIMESTAMP', 'timestamp', BigInt64Array.from(seq((i) => BigInt(i) * 1_234_567_891n - 10n ** 12n)), 19),
    {
      name: 'label',
      storage: 'VARCHAR',
      kind: 'string',
      values: seq((i) => (i % 20 === 1 ? null : i % 2 ? `ünïcødé ✓ label ${i}` : `s${i}`)),
      validity: null,
    },
    {
      name: 'embedding',
      storage: 'LIST',
      kind: 'list',
      values: Float64Array.from(items),
      offsets,
      validity: validity(n, (k) => (first + k) % 21 === 1),
    },
    fixed('seen', 'DOUBLE', 'timestamp', Float64Array.from(seq((i) => i * 86_400_123 - 1e12)), 22, { epochMs: true }),
  ];
}

const BATCHES: [number, number][] = [
  [0, 3000],
  [3000, 1500],
];

const describeFile = async (p: string) =>
  (await reader.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(p)})`))
    .getRows()
    .map(([name, type]) => `${name} ${type}`);

async function count(sql: string): Promise<number> {
  return Number((await reader.runAndReadAll(`SELECT count(*) FROM (${sql})`)).getRows()[0][0]);
}

/** Same names and types, and the same rows in the same order (file_row_number is part of each row). */
async function expectSameFile(actual: string, expected: string, ordered = true) {
  expect(await describeFile(actual)).toEqual(await describeFile(expected));
  const scan = (p: string) => `SELECT * FROM read_parquet(${quoteLiteral(p)}${ordered ? ', file_row_number = true' : ''})`;
  expect(await count(scan(expected))).toBe(await count(scan(actual)));
  expect(await count(`${scan(actual)} EXCEPT ALL ${scan(expected)}`)).toBe(0);
  expect(await count(`${scan(expected)} EXCEPT ALL ${scan(actual)}`)).toBe(0);
}

async function duckdbOutput(batches: OutputColumn[][], rows: number[], out: string): Promise<void> {
  const output = new OutputWriter(writer, 'model');
  for (let b = 0; b < batches.length; b++) await output.append(batches[b], rows[b]);
  expect(await output.finish(out)).toBe(rows.reduce((x, y) => x + y));
}

async function wasmOutput(batches: OutputColumn[][], rows: number[], out: string, compressed = true): Promise<void> {
  const output = new ParquetWriter('model', { statistics: false, compressed });
  for (let b = 0; b < batches.length; b++) output.append(batches[b], rows[b]);
  expect(await output.finish(out)).toBe(rows.reduce((x, y) => x + y));
}

async function plainOutput(batches: OutputColumn[][], rows: number[], out: string, inputs?: arrow.Table[]): Promise<void> {
  const output = new PlainParquetWriter('model', out, () => new ParquetWriter('model', { statistics: false, compressed: false }));
  for (let b = 0; b < batches.length; b++) output.append(batches[b], rows[b], inputs?.[b]);
  expect(await output.finish()).toBe(rows.reduce((x, y) => x + y));
}

/** Which writer wrote a file: PlainParquetWriter signs it "batch-inference", parquet-wasm "parquet-rs …". */
const createdBy = async (p: string) =>
  String((await reader.runAndReadAll(`SELECT created_by FROM parquet_file_metadata(${quoteLiteral(p)})`)).getRows()[0][0]);

/** The file read by parquet-wasm (another reader than DuckDB): its rows and column names. */
function readByParquetWasm(p: string): { rows: number; names: string[] } {
  const table = pw.readParquet(new Uint8Array(fs.readFileSync(p)));
  const ipc = arrow.tableFromIPC(table.intoIPCStream());
  return { rows: ipc.numRows, names: ipc.schema.fields.map((f) => f.name) };
}

describe("PlainParquetWriter (a local stage's chunk file) writes what OutputWriter writes", () => {
  const withoutLists = (columns: OutputColumn[]) => columns.filter((c) => c.storage !== 'LIST');
  // Sizes on and off whole bytes of validity, an empty batch and a one-row one.
  const SIZES: [number, number][] = [
    [0, 3000],
    [3000, 1500],
    [4500, 8],
    [4508, 0],
    [4508, 1],
    [4509, 13],
  ];

  it('every storage type but lists, NULLs, epoch milliseconds, over batches of many sizes, in one row group', async () => {
    const batches = SIZES.map(([first, n]) => withoutLists(predictions(first, n)));
    // A column without NULLs, and doubles whose bits must come through as they are.
    const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, Number.MIN_VALUE, Number.MAX_VALUE];
    for (const [b, [first, n]] of SIZES.entries())
      batches[b].push({
        name: 'whole',
        storage: 'DOUBLE',
        kind: 'float',
        values: Float64Array.from({ length: n }, (_, k) => specials[(first + k) % 6]),
        validity: null,
      });
    const rows = SIZES.map(([, n]) => n);
    await plainOutput(batches, rows, file('plain.parquet'));
    await duckdbOutput(batches, rows, file('plain-duckdb.parquet'));
    expect(await createdBy(file('plain.parquet'))).toBe('batch-inference');
    expect(await describeFile(file('plain.parquet'))).toEqual(await describeFile(file('plain-duckdb.parquet')));
    await expectSameFile(file('plain.parquet'), file('plain-duckdb.parquet'));
    const meta = await reader.runAndReadAll(
      `SELECT count(DISTINCT row_group_id), string_agg(DISTINCT compression) FROM parquet_metadata(${quoteLiteral(file('plain.parquet'))})`,
    );
    expect(meta.getRows()[0].map(String)).toEqual(['1', 'UNCOMPRESSED']);
    expect(readByParquetWasm(file('plain.parquet'))).toEqual({ rows: 4522, names: batches[0].map((c) => c.name) });
    const bits = await reader.runAndReadAll(
      `SELECT list(whole ORDER BY file_row_number)[1:6]::VARCHAR FROM read_parquet(${quoteLiteral(file('plain.parquet'))}, file_row_number = true)`,
    );
    expect(bits.getRows()[0][0]).toBe('[nan, inf, -inf, -0.0, 5e-324, 1.7976931348623157e+308]');
  });

  it(`starts a row group every ${ROW_GROUP_ROWS} rows or more`, async () => {
    const n = 600_000;
    const batches = [0, 1, 2].map((b) => [
      fixed(
        'x',
        'DOUBLE',
        'float',
        Float64Array.from({ length: n }, (_, i) => b * n + i),
        1000,
      ),
    ]);
    await plainOutput(batches, [n, n, n], file('plain-groups.parquet'));
    const groups = await reader.runAndReadAll(
      `SELECT row_group_num_rows FROM parquet_metadata(${quoteLiteral(file('plain-groups.parquet'))}) ORDER BY row_group_id`,
    );
    expect(groups.getRows().map((r) => Number(r[0]))).toEqual([2 * n, n]);
    const sums = await reader.runAndReadAll(
      `SELECT count(x), sum(x)::BIGINT, count(*) FROM read_parquet(${quoteLiteral(file('plain-groups.parquet'))})`,
    );
    const nulls = Math.ceil((3 * n - 1) / 1000);
    let sum = 0;
    for (let i = 0; i < 3 * n; i++) if (i % 1000 !== 1) sum += i;
    expect(sums.getRows()[0].map(Number)).toEqual([3 * n - nulls, sum, 3 * n]);
  });

  it('two files written at once in one thread keep their own buffers (the pool lends a buffer to one writer)', async () => {
    const column = (n: number, k: number) => [
      fixed(
        'x',
        'DOUBLE',
        'float',
        Float64Array.from({ length: n }, (_, i) => k * 1e6 + i),
        3,
      ),
    ];
    await plainOutput([column(50_000, 9)], [50_000], file('plain-first.parquet')); // its buffers go back to the pool
    const writers = [1, 2].map(
      (k) =>
        new PlainParquetWriter('model', file(`plain-at-once-${k}.parquet`), () => {
          throw new Error('not used');
        }),
    );
    for (let b = 0; b < 3; b++) for (const [k, writer] of writers.entries()) writer.append(column(40_000, k + 1), 40_000);
    for (const writer of writers) expect(await writer.finish()).toBe(120_000);
    for (const k of [1, 2]) {
      const sums = await reader.runAndReadAll(
        `SELECT count(*), count(x), min(x), max(x) FROM read_parquet(${quoteLiteral(file(`plain-at-once-${k}.parquet`))})`,
      );
      expect(sums.getRows()[0].map(Number)).toEqual([120_000, 120_000 - 3 * 13_333, k * 1e6, k * 1e6 + 39_999]);
    }
  });

  it('leaves a file whose input column is not one contiguous array to parquet-wasm', async () => {
    const whole = arrow.makeVector(Float64Array.from({ length: 20 }, (_, i) => i));
    const input = new arrow.Table({ kept: whole.slice(5, 15) }); // an Arrow slice: an offset into its buffer
    const output = new PlainParquetWriter(
      'model',
      file('plain-sliced.parquet'),
      () => new ParquetWriter('model', { statistics: false, compressed: false }),
    );
    output.append([fixed('p', 'DOUBLE', 'float', new Float64Array(10), 100)], 10, input);
    expect(await output.finish()).toBe(10);
    expect(await createdBy(file('plain-sliced.parquet'))).toMatch(/^parquet-rs/);
    const kept = await reader.runAndReadAll(`SELECT list(kept) FROM read_parquet(${quoteLiteral(file('plain-sliced.parquet'))})`);
    expect(String(kept.getRows()[0][0])).toBe('[5, 6, 7, 8, 9, 10, 11, 12, 13, 14]');
  });

  it("refuses a list column that appears only in a later batch (the file's writer is chosen at the first)", async () => {
    const output = new PlainParquetWriter('model', file('plain-late-list.parquet'), () => {
      throw new Error('not used');
    });
    const [first, second] = BATCHES.map(([f, n]) => predictions(f, n));
    output.append(withoutLists(first), BATCHES[0][1]);
    expect(() => output.append(second, BATCHES[1][1])).toThrow(/its columns or their types changed between batches/);
    output.abort();
  });

  it('leaves a file with a list column to parquet-wasm, uncompressed, the same rows', async () => {
    const batches = BATCHES.map(([first, n]) => predictions(first, n));
    const rows = BATCHES.map(([, n]) => n);
    await plainOutput(batches, rows, file('plain-lists.parquet'));
    await duckdbOutput(batches, rows, file('plain-lists-duckdb.parquet'));
    expect(await createdBy(file('plain-lists.parquet'))).toMatch(/^parquet-rs/);
    await expectSameFile(file('plain-lists.parquet'), file('plain-lists-duckdb.parquet'));
  });

  it('refuses a batch whose columns changed, and closes its file when aborted', async () => {
    const output = new PlainParquetWriter('model', file('plain-changed.parquet'), () => {
      throw new Error('not used');
    });
    const first = withoutLists(predictions(0, 10));
    output.append(first, 10);
    const changed = first.map((c) => (c.name === 'd' ? { ...c, storage: 'FLOAT' as const, values: new Float32Array(10) } : c));
    expect(() => output.append(changed, 10)).toThrow(/its columns or their types changed between batches/);
    const renamed = first.map((c) => (c.name === 'd' ? { ...c, name: 'e' } : c));
    expect(() => output.append(renamed, 10)).toThrow(/its columns or their types changed between batches/);
    output.abort();
    output.abort(); // twice: nothing left to close
    // A batch answered after the abort (the main thread's scorer may have one out) does not reopen the file.
    fs.rmSync(file('plain-changed.parquet'));
    expect(() => output.append(first, 10)).toThrow(/append after the file was finished or abandoned/);
    expect(fs.existsSync(file('plain-changed.parquet'))).toBe(false);
    await expect(output.finish()).rejects.toThrow(/after the file was finished or abandoned/);
  });

  it('refuses a column that holds fewer rows than the batch, before writing it', async () => {
    const output = new PlainParquetWriter('model', file('plain-short.parquet'), () => {
      throw new Error('not used');
    });
    const short: OutputColumn = {
      name: 'p',
      storage: 'DOUBLE',
      kind: 'float',
      values: new Float64Array(new ArrayBuffer(64), 0, 1),
      validity: null,
    };
    expect(() => output.append([short], 6)).toThrow(/column "p" does not hold the batch's 6 rows/);
    const shortBitmap = { ...short, values: new Float64Array(20), validity: Uint8Array.of(0xff) };
    expect(() => output.append([shortBitmap], 20)).toThrow(/column "p" does not hold the batch's 20 rows/);
    output.abort();
  });
});

describe('ParquetWriter writes what OutputWriter writes', () => {
  it('every storage type, NULLs, empty and NULL lists, epoch milliseconds, over two batches', async () => {
    const batches = BATCHES.map(([first, n]) => predictions(first, n));
    const rows = BATCHES.map(([, n]) => n);
    await wasmOutput(batches, rows, file('out-wasm.parquet'));
    await duckdbOutput(batches, rows, file('out-duckdb.parquet'));
    expect(await describeFile(file('out-duckdb.parquet'))).toEqual([
      'd DOUBLE',
      'f FLOAT',
      'i8 TINYINT',
      'i16 SMALLINT',
      'i32 INTEGER',
      'i64 BIGINT',
      'u8 UTINYINT',
      'u16 USMALLINT',
      'u32 UINTEGER',
      'u64 UBIGINT',
      'ok BOOLEAN',
      'day DATE',
      'at TIMESTAMP',
      'label VARCHAR',
      'embedding DOUBLE[]',
      'seen TIMESTAMP',
    ]);
    await expectSameFile(file('out-wasm.parquet'), file('out-duckdb.parquet'));
    // Every column has NULLs, and the lists hold empty lists as well as NULL ones.
    const nulls = await reader.runAndReadAll(
      `SELECT ${(await describeFile(file('out-wasm.parquet'))).map((c) => `count(*) - count(${quoteIdentifier(c.split(' ')[0])})`).join(', ')},
         count(*) FILTER (WHERE len(embedding) = 0) FROM read_parquet(${quoteLiteral(file('out-wasm.parquet'))})`,
    );
    for (const n of nulls.getRows()[0]) expect(Number(n)).toBeGreaterThan(0);
  });

  it("writes a local stage's chunk file uncompressed, with the same columns and rows, and compresses the rest with snappy", async () => {
    const batches = BATCHES.map(([first, n]) => predictions(first, n));
    const rows = BATCHES.map(([, n]) => n);
    await wasmOutput(batches, rows, file('out-plain.parquet'), false);
    await wasmOutput(batches, rows, file('out-snappy.parquet'), true);
    await expectSameFile(file('out-plain.parquet'), file('out-snappy.parquet'));
    const codecs = async (name: string) =>
      (await reader.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata(${quoteLiteral(file(name))})`))
        .getRows()
        .map((r) => String(r[0]));
    expect(await codecs('out-plain.parquet')).toEqual(['UNCOMPRESSED']);
    expect(await codecs('out-snappy.parquet')).toEqual(['SNAPPY']);
  });

  it('keeps the columns in the order the predictor returned them, whatever their names', async () => {
    const n = 10;
    const columns: OutputColumn[] = [
      { name: 'label', storage: 'VARCHAR', kind: 'string', values: Array.from({ length: n }, (_, i) => `c${i % 2}`), validity: null },
      fixed(
        '1',
        'DOUBLE',
        'float',
        Float64Array.from({ length: n }, (_, i) => i / 10),
        100,
      ),
      fixed(
        '0',
        'DOUBLE',
        'float',
        Float64Array.from({ length: n }, (_, i) => 1 - i / 10),
        100,
      ),
    ];
    await wasmOutput([columns], [n], file('names-wasm.parquet'));
    await duckdbOutput([columns], [n], file('names-duckdb.parquet'));
    expect(await describeFile(file('names-duckdb.parquet'))).toEqual(['label VARCHAR', '1 DOUBLE', '0 DOUBLE']);
    await expectSameFile(file('names-wasm.parquet'), file('names-duckdb.parquet'));
  });
});

/** A chunk through openChunkIO as a chunk thread scores it: its rows, and whether a batch stays while the next is read. */
async function scoreThrough(
  options: ChunkIOOptions,
  predict: (batch: PredictorInput) => OutputColumn[],
): Promise<{ rows: number; keeps: boolean }> {
  const io = await openChunkIO({ reader, writer }, options);
  for await (const batch of io.batches) await io.append(predict(batch), batch.features.numRows, batch);
  return { rows: await io.finish(), keeps: io.keepsBatchWhileNextIsRead };
}

describe('openChunkIO with includeInputColumns: the parquet-wasm batch-by-batch output equals the DuckDB join', () => {
  const input = file('input.parquet');
  beforeAll(async () => {
    await reader.run(`COPY (SELECT i::BIGINT AS id,
        CASE WHEN i % 5 = 1 THEN NULL ELSE i / 4 END::DOUBLE AS x,
        CASE WHEN i % 6 = 1 THEN NULL ELSE 'ünïcødé name ' || i END AS name,
        (i % 7)::DOUBLE AS score,
        CASE WHEN i % 8 = 1 THEN NULL ELSE DATE '2026-01-01' + (i % 300)::INTEGER END AS day,
        TIMESTAMP '2026-01-01' + to_microseconds(i * 999) AS ts,
        CASE WHEN i % 9 = 1 THEN NULL ELSE i % 2 = 0 END AS flag,
        (i * 3)::UINTEGER AS u,
        (i % 100)::TINYINT AS "2"
      FROM range(10000) r(i)) TO ${quoteLiteral(input)} (FORMAT parquet, ROW_GROUP_SIZE 3000)`);
  });
  afterAll(() => void (wasm.off = false));

  /** A model of the input's columns (so that it does not matter which rows a batch holds). */
  function predict(features: arrow.Table): OutputColumn[] {
    const n = features.numRows;
    const id = features.getChild('id')!;
    const x = features.getChild('x')!;
    return normalizeOutput(
      'model',
      {
        Score: Array.from({ length: n }, (_, i) => (x.isValid(i) ? (x.get(i) as number) * 2 : null)),
        label: Array.from({ length: n }, (_, i) => (Number(id.get(i)) % 3 ? `ünïcødé label ${id.get(i)}` : null)),
        at: Array.from({ length: n }, (_, i) => new Date(Date.UTC(2026, 0, 1) + Number(id.get(i)) * 1000)),
      },
      n,
    );
  }

  async function score(out: string, off: boolean, compressed = true): Promise<boolean> {
    wasm.off = off;
    const parts = [
      { path: input, rowStart: 1234, rowEnd: 7777 },
      { path: input, rowStart: 9000, rowEnd: 10000 },
    ];
    const options = { parts, scratch: out, batchRows: 2048, predictor: 'model', includeInputColumns: true, compressed };
    const { rows, keeps } = await scoreThrough(options, (batch) => {
      // The DuckDB reader puts the digit-named column first (see "a column named like a number" above).
      if (!off) expect(batch.inputColumns).toEqual(['id', 'x', 'name', 'score', 'day', 'ts', 'flag', 'u', '2']);
      return predict(batch.features);
    });
    expect(rows).toBe(7543);
    return keeps;
  }

  it('same columns in the same order, same types, same rows', async () => {
    expect(await score(file('pass-wasm.parquet'), false)).toBe(true); // parquet-wasm read and wrote
    expect(await score(file('pass-duckdb.parquet'), true)).toBe(false); // DuckDB read, joined and wrote
    // The input's columns minus the one a prediction replaces (score, by Score), then the predictions.
    expect(await describeFile(file('pass-duckdb.parquet'))).toEqual([
      'id BIGINT',
      'x DOUBLE',
      'name VARCHAR',
      'day DATE',
      'ts TIMESTAMP',
      'flag BOOLEAN',
      'u UINTEGER',
      '2 TINYINT',
      'Score DOUBLE',
      'label VARCHAR',
      'at TIMESTAMP',
    ]);
    // The join does not keep the rows' order.
    await expectSameFile(file('pass-wasm.parquet'), file('pass-duckdb.parquet'), false);
  });

  it('every input type the reader gives, with NULLs, kept beside the predictions by PlainParquetWriter as DuckDB keeps them', async () => {
    const eligible = file('eligible-input.parquet');
    await reader.run(`COPY (${ELIGIBLE(0, 5000)}) TO ${quoteLiteral(eligible)} (FORMAT parquet, ROW_GROUP_SIZE 1500)`);
    const run = async (out: string, off: boolean) => {
      wasm.off = off;
      const options = {
        parts: [{ path: eligible }],
        scratch: out,
        batchRows: 1024,
        predictor: 'model',
        includeInputColumns: true,
        compressed: false,
      };
      const { rows } = await scoreThrough(options, (batch) => {
        const id = batch.features.getChild('id')!;
        const n = batch.features.numRows;
        return normalizeOutput('model', { p: Array.from({ length: n }, (_, i) => (id.isValid(i) ? Number(id.get(i)) / 2 : null)) }, n);
      });
      expect(rows).toBe(5000);
    };
    await run(file('eligible-plain.parquet'), false);
    await run(file('eligible-duckdb.parquet'), true);
    expect(await createdBy(file('eligible-plain.parquet'))).toBe('batch-inference');
    expect((await describeFile(file('eligible-plain.parquet'))).length).toBe(17);
    await expectSameFile(file('eligible-plain.parquet'), file('eligible-duckdb.parquet'), false);
  });

  it('a chunk whose predictions hold a list is written by parquet-wasm, uncompressed, on a local stage', async () => {
    const out = file('list-local.parquet');
    const options = {
      parts: [{ path: input }],
      scratch: out,
      batchRows: 4096,
      predictor: 'model',
      includeInputColumns: false,
      compressed: false,
    };
    const { rows } = await scoreThrough(options, (batch) => {
      const n = batch.features.numRows;
      return normalizeOutput('model', { v: Array.from({ length: n }, (_, i) => [i, i / 2]) }, n);
    });
    expect(rows).toBe(10_000);
    expect(await createdBy(out)).toMatch(/^parquet-rs/);
    const codecs = await reader.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata(${quoteLiteral(out)})`);
    expect(codecs.getRows().map((r) => String(r[0]))).toEqual(['UNCOMPRESSED']);
  });

  it("a local stage's chunk file (uncompressed) by PlainParquetWriter: the same columns, types and rows", async () => {
    expect(await score(file('pass-plain.parquet'), false, false)).toBe(true);
    expect(await createdBy(file('pass-plain.parquet'))).toBe('batch-inference');
    await score(file('pass-duckdb.parquet'), true);
    await expectSameFile(file('pass-plain.parquet'), file('pass-duckdb.parquet'), false);
  });
});

// ---------------------------------------------------------------------------------------------------
// A Python model's answer: the Arrow IPC bytes it came in, remembered on its checked columns

describe("ParquetWriter and a Python model's Arrow bytes", () => {
  const n = 3000;
  const nulls = (every: number) => validity(n, (i) => i % every === 1);
  const vector = (type: arrow.DataType, data: ArrayLike<unknown>, nullBitmap?: Uint8Array) =>
    arrow.makeVector(arrow.makeData({ type, length: n, data, nullBitmap } as never));

  function answer(scale: number, zone?: string): Uint8Array {
    const table = new arrow.Table({
      p: vector(
        new arrow.Float64(),
        Float64Array.from({ length: n }, (_, i) => (i / 7) * scale),
        nulls(5),
      ),
      n: vector(
        new arrow.Int32(),
        Int32Array.from({ length: n }, (_, i) => i * scale - 5),
        nulls(6),
      ),
      u: vector(
        new arrow.Uint64(),
        BigUint64Array.from({ length: n }, (_, i) => 2n ** 64n - 1n - BigInt(i * scale)),
      ),
      ok: arrow.vectorFromArray(
        Array.from({ length: n }, (_, i) => (i % 4 === 1 ? null : (i * scale) % 3 === 0)),
        new arrow.Bool(),
      ),
      s: arrow.vectorFromArray(
        Array.from({ length: n }, (_, i) => (i % 8 === 1 ? null : `ünïcødé ✓ ${i * scale}`)),
        new arrow.Utf8(),
      ),
      day: vector(
        new arrow.DateDay(),
        Int32Array.from({ length: n }, (_, i) => i * scale - 1000),
        nulls(9),
      ),
      ts: vector(
        new arrow.TimestampMicrosecond(zone),
        BigInt64Array.from({ length: n }, (_, i) => BigInt(i * scale) * 1_000_001n),
        nulls(10),
      ),
    });
    return arrow.tableToIPC(table, 'stream');
  }

  /** What the Python scorer does with an answer: check it, and remember its bytes on the columns. */
  function checked(ipc: Uint8Array, remembered = ipc): OutputColumn[] {
    const columns = normalizeOutput('model', arrow.tableFromIPC(ipc), n);
    rememberIpc(columns, remembered);
    return columns;
  }

  it('writes an answer from its checked columns, and reads back as OutputWriter’s file', async () => {
    await wasmOutput([checked(answer(1))], [n], file('py-wasm.parquet'));
    await duckdbOutput([checked(answer(1))], [n], file('py-duckdb.parquet'));
    expect(await describeFile(file('py-duckdb.parquet'))).toEqual([
      'p DOUBLE',
      'n INTEGER',
      'u UBIGINT',
      'ok BOOLEAN',
      's VARCHAR',
      'day DATE',
      'ts TIMESTAMP',
    ]);
    await expectSameFile(file('py-wasm.parquet'), file('py-duckdb.parquet'));
    await plainOutput([checked(answer(1))], [n], file('py-plain.parquet'));
    await expectSameFile(file('py-plain.parquet'), file('py-duckdb.parquet'));
    // Never the answer's own bytes: bytes of other values remembered on the columns change nothing.
    await wasmOutput([checked(answer(1), answer(2))], [n], file('py-bytes.parquet'));
    await expectSameFile(file('py-bytes.parquet'), file('py-duckdb.parquet'));
  });

  it('writes only what the checks saw: a NaN hidden under a NULL and a field declared non-nullable do not get through', async () => {
    // A hostile answer (model code writes its own IPC): a first batch whose field says "never NULL",
    // then one with a NULL row whose value slot holds NaN. The finite check skips NULL rows.
    const batch = (nullable: boolean, values: number[], nullBitmap?: Uint8Array) => {
      const schema = new arrow.Schema([new arrow.Field('score', new arrow.Float64(), nullable)]);
      const child = arrow.makeData({ type: new arrow.Float64(), length: values.length, data: Float64Array.from(values), nullBitmap });
      const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: values.length, children: [child] });
      return arrow.tableToIPC(new arrow.Table(schema, [new arrow.RecordBatch(schema, data)]), 'stream');
    };
    const answers = [batch(false, [1, 2, 3]), batch(true, [4, Number.NaN, 6], Uint8Array.of(0b101))];
    const columns = answers.map((ipc) => {
      const checkedColumns = normalizeOutput('model', arrow.tableFromIPC(ipc), 3, undefined, {
        place: { worker: 0, chunk: 0 },
        firstRow: 0,
      });
      rememberIpc(checkedColumns, ipc);
      return checkedColumns;
    });
    await plainOutput(columns, [3, 3], file('py-hidden-plain.parquet'));
    await wasmOutput(columns, [3, 3], file('py-hidden.parquet'));
    await duckdbOutput(columns, [3, 3], file('py-hidden-duckdb.parquet'));
    await expectSameFile(file('py-hidden.parquet'), file('py-hidden-duckdb.parquet'));
    await expectSameFile(file('py-hidden-plain.parquet'), file('py-hidden-duckdb.parquet'));
    for (const written of ['py-hidden.parquet', 'py-hidden-plain.parquet']) {
      const rows = (await reader.runAndReadAll(`SELECT score FROM read_parquet(${quoteLiteral(file(written))})`)).getRows();
      expect(rows.map(([score]) => score)).toEqual([1, 2, 3, 4, null, 6]);
    }
  });

  it('rebuilds an answer whose types are not the columns’ (a zoned timestamp) from the columns', async () => {
    await wasmOutput([checked(answer(1, 'UTC')), checked(answer(3, 'Europe/Paris'))], [n, n], file('py-zoned-wasm.parquet'));
    await duckdbOutput([checked(answer(1, 'UTC')), checked(answer(3, 'Europe/Paris'))], [n, n], file('py-zoned-duckdb.parquet'));
    expect(await describeFile(file('py-zoned-duckdb.parquet'))).toContain('ts TIMESTAMP');
    await expectSameFile(file('py-zoned-wasm.parquet'), file('py-zoned-duckdb.parquet'));
  });
});
