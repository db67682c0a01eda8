// The engine's DuckDB → Arrow path and back, on real parquet: every type the fast paths handle
// must arrive with the same values and NULLs that DuckDB itself reads.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sqlPathList, withEngine } from '../../src/adapters/localEngine/localEngine.js';
import { OutputWriter } from '../../src/scoring/outputWriter.js';
import { readRecordBatches } from '../../src/scoring/recordBatches.js';
import { normalizeOutput } from '../../src/predictors/normalizeOutput.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-batches-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const SOURCE = `SELECT i::BIGINT AS id,
    CASE WHEN i % 3 = 0 THEN NULL ELSE i * 0.5 END::DOUBLE AS d,
    CASE WHEN i % 4 = 0 THEN NULL ELSE i END::INTEGER AS n,
    CASE WHEN i < 100 OR i = 7000 THEN NULL ELSE i END::DOUBLE AS sparse,
    CASE WHEN i % 5 = 0 THEN NULL ELSE 's' || i END AS short_text,
    CASE WHEN i % 6 = 0 THEN NULL ELSE repeat('ünïcødé-', 3) || i END AS long_text,
    CASE WHEN i % 7 = 0 THEN NULL ELSE i % 2 = 0 END AS flag,
    DATE '2026-01-01' + (i % 300)::INTEGER AS day,
    TIMESTAMP '2026-01-01 00:00:00' + to_seconds(i) AS ts,
    (i / 100)::DECIMAL(10, 2) AS amount
  FROM range(10000) r(i)`;

describe('readRecordBatches', () => {
  it('round-trips numbers, strings, booleans, dates, timestamps and NULLs exactly', async () => {
    const input = path.join(dir, 'in.parquet');
    const output = path.join(dir, 'out.parquet');
    await withEngine(async (reader, writer) => {
      await reader.run(`COPY (${SOURCE}) TO '${input}' (FORMAT parquet)`);
      const out = new OutputWriter(writer, 'identity');
      let rows = 0;
      let batches = 0;
      // Two vectors per batch; buffers are reused from batch to batch, with and without NULLs.
      for await (const table of readRecordBatches(reader, `read_parquet(${sqlPathList([input])})`, 4096)) {
        expect(table.numRows).toBeLessThanOrEqual(4096);
        await out.append(normalizeOutput('identity', table, table.numRows), table.numRows);
        rows += table.numRows;
        batches++;
      }
      expect(rows).toBe(10_000);
      expect(batches).toBeGreaterThanOrEqual(3);
      await out.finish(output);
      // Decimals are read as DOUBLE by design; every other column must match exactly.
      const diff = await reader.runAndReadAll(`
        SELECT count(*) AS n FROM (
          SELECT * REPLACE (amount::DOUBLE AS amount) FROM read_parquet('${input}')
          EXCEPT ALL
          SELECT * REPLACE (amount::DOUBLE AS amount, flag::BOOLEAN AS flag) FROM read_parquet('${output}'))`);
      expect(Number(diff.getRows()[0][0])).toBe(0);
      const count = await reader.runAndReadAll(`SELECT count(*) FROM read_parquet('${output}')`);
      expect(Number(count.getRows()[0][0])).toBe(10_000);
    });
  });

  it('gives predictors Arrow columns whose strings decode correctly', async () => {
    const input = path.join(dir, 'strings.parquet');
    await withEngine(async (reader) => {
      await reader.run(
        `COPY (SELECT * FROM (VALUES ('a'), (NULL), ('exactly12byt'), ('thirteen byte'), ('ünïcødé, longer than twelve bytes')) t(s)) TO '${input}' (FORMAT parquet)`,
      );
      const values: (string | null)[] = [];
      for await (const table of readRecordBatches(reader, `read_parquet(${sqlPathList([input])})`, 1024)) {
        values.push(...(table.getChild('s')!.toArray() as (string | null)[]));
      }
      expect(values.sort()).toEqual(['a', 'exactly12byt', 'thirteen byte', 'ünïcødé, longer than twelve bytes', null].sort());
    });
  });

  it('yields one empty table for an empty source, with the columns', async () => {
    const input = path.join(dir, 'empty.parquet');
    await withEngine(async (reader) => {
      await reader.run(`COPY (SELECT 1::BIGINT AS id, 'x' AS s LIMIT 0) TO '${input}' (FORMAT parquet)`);
      const tables = [];
      for await (const table of readRecordBatches(reader, `read_parquet(${sqlPathList([input])})`, 1024)) tables.push(table);
      expect(tables).toHaveLength(1);
      expect(tables[0].numRows).toBe(0);
      expect(tables[0].schema.fields.map((f) => f.name)).toEqual(['id', 's']);
    });
  });
});

describe('integer decimals (Snowflake unloads every NUMBER as parquet DECIMAL)', () => {
  it('arrive as exact BIGINT, fractional ones as DOUBLE, and an integer beyond BIGINT fails naming the column', async () => {
    const input = path.join(dir, 'decimals.parquet');
    const big = 9_007_199_254_740_993n; // 2^53 + 1: a DOUBLE would make it ...992
    await withEngine(async (reader) => {
      await reader.run(`COPY (SELECT ${big}::DECIMAL(18,0) AS id18, ${big}::DECIMAL(38,0) AS id38,
        NULL::DECIMAL(38,0) AS none38, 1.25::DECIMAL(10,2) AS amount) TO '${input}' (FORMAT parquet)`);
      const [table] = await collect(readRecordBatches(reader, `read_parquet(${sqlPathList([input])})`, 10));
      expect(table.schema.fields.map((f) => String(f.type))).toEqual(['Int64', 'Int64', 'Int64', 'Float64']);
      expect(table.get(0)!.toJSON()).toEqual({ id18: big, id38: big, none38: null, amount: 1.25 });

      const wide = path.join(dir, 'wide.parquet');
      await reader.run(`COPY (SELECT 12345678901234567890123::DECIMAL(38,0) AS huge_id) TO '${wide}' (FORMAT parquet)`);
      await expect(collect(readRecordBatches(reader, `read_parquet(${sqlPathList([wide])})`, 10))).rejects.toThrow(
        /column huge_id holds an integer beyond BIGINT.*huge_id::VARCHAR/,
      );
    });
  });
});

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const t of gen) out.push(t);
  return out;
}
