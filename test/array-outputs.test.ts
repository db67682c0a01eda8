// List-valued outputs (embeddings, issue 16 item 3): a predictor returning one vector of floats per
// row, through the chunk writer into a DuckDB table (FLOAT[384]), parquet and CSV (JSON text), with
// the fixed dimension checked; values read back exactly (as float32).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableSql } from '../src/adapters/warehouse/snowflake/statements.js';
import { numericColumn } from '../src/predictors/api.js';
import type { Predictor } from '../src/predictors/types.js';
import { createHarness, type Harness } from './support/harness.js';
import { failureOf } from './support/wait.js';

const DIM = 384;
/** The expected embedding of an id, as float32. */
const value = (id: number, j: number) => Math.fround(Math.sin(id * 0.001 + j * 0.37));

const embed: Predictor = (input) => {
  const ids = numericColumn(input, 'id');
  const rows = Array.from(ids, (id) => Float32Array.from({ length: DIM }, (_, j) => value(id, j)));
  return { id: ids, emb: rows };
};
/** One row (id 7) one value short. */
const shortRow: Predictor = (input, ctx) => {
  const out = embed(input, ctx) as { id: Float64Array; emb: Float32Array[] };
  const i = Array.from(out.id).indexOf(7);
  if (i >= 0) out.emb[i] = out.emb[i].subarray(0, DIM - 1);
  return out;
};

describe('array outputs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
    await h.sql('CREATE SCHEMA IF NOT EXISTS dev');
    await h.sql('CREATE TABLE dev.docs AS SELECT i::BIGINT AS id FROM range(100000) r(i)');
    await h.startWorker({ predictors: { embed, shortRow } });
  });
  afterAll(() => h?.close());

  const spec = (overrides: Record<string, unknown>) => ({
    inputQuery: 'SELECT id FROM {schema}.docs',
    predictor: 'embed',
    parallelWorkers: 2,
    outputTableDefinition: [
      ['id', 'NUMBER'],
      ['emb', `FLOAT[${DIM}]`],
    ],
    ...overrides,
  });

  it('100,000 rows of 384 floats land in a FLOAT[] table, every value exact as float32', async () => {
    const started = Date.now();
    const { runId } = await h.client.startBatchInference(spec({ outputTableName: 'dev.embeddings' }));
    const summary = await h.client.waitForResult(runId);
    console.log(`array outputs: 100,000 × ${DIM} floats scored and published in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(summary.rowsOut).toBe(100_000);
    const [type] = await h.sql<{ t: string }>(
      `SELECT data_type AS t FROM information_schema.columns WHERE table_name = 'embeddings' AND column_name = 'emb'`,
    );
    expect(type.t).toBe('FLOAT[]');
    let mismatches = 0;
    let checked = 0;
    for (let from = 0; from < 100_000; from += 10_000) {
      const rows = await h.sql<{ id: number; emb: number[] }>(
        `SELECT id::INTEGER AS id, emb FROM dev.embeddings WHERE id >= ${from} AND id < ${from + 10_000} ORDER BY id`,
      );
      expect(rows.length).toBe(10_000);
      for (const row of rows) {
        expect(row.emb.length).toBe(DIM);
        for (let j = 0; j < DIM; j++) if (Math.fround(row.emb[j]) !== value(row.id, j)) mismatches++;
        checked += DIM;
      }
    }
    expect(checked).toBe(100_000 * DIM);
    expect(mismatches).toBe(0);
  }, 600_000);

  it('a row with another length than FLOAT[384] fails the chunk, naming the column, the row and the dimension', async () => {
    const { runId } = await h.client.startBatchInference(
      spec({ predictor: 'shortRow', inputQuery: 'SELECT id FROM {schema}.docs WHERE id < 1000', outputTableName: 'dev.short' }),
    );
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.message).toContain(
      `column "emb" has ${DIM - 1} values at row 7 but outputTableDefinition declares FLOAT[${DIM}]; return exactly ${DIM} values per row`,
    );
  });

  it('parquet keeps the list; CSV holds it as JSON text', async () => {
    for (const format of ['parquet', 'csv'] as const) {
      const { runId } = await h.client.startBatchInference(
        spec({
          inputQuery: 'SELECT id FROM {schema}.docs WHERE id < 100',
          outputDestination: format,
          outputPath: `results/emb-${format}`,
          parallelWorkers: 1,
        }),
      );
      await h.client.waitForResult(runId);
      const dir = path.join(h.stage.root, 'results', `emb-${format}`);
      const file = fs.readdirSync(dir).find((f) => f.endsWith(`.${format}`))!;
      if (format === 'parquet') {
        const rows = await h.sql<{ id: number; emb: number[] }>(
          `SELECT id::INTEGER AS id, emb FROM read_parquet('${path.join(dir, file)}') ORDER BY id`,
        );
        expect(rows).toHaveLength(100);
        expect(rows[42].emb.map(Math.fround)).toEqual(Array.from({ length: DIM }, (_, j) => value(42, j)));
      } else {
        const lines = fs.readFileSync(path.join(dir, file), 'utf8').trim().split('\n');
        expect(lines[0]).toBe('id,emb');
        expect(lines).toHaveLength(101);
        const [id, text] = [lines[1].slice(0, lines[1].indexOf(',')), lines[1].slice(lines[1].indexOf(',') + 1).replace(/^"|"$/g, '')];
        const parsed = JSON.parse(text) as number[];
        expect(parsed.map(Math.fround)).toEqual(Array.from({ length: DIM }, (_, j) => value(Number(id), j)));
      }
    }
  });

  it('Snowflake creates VECTOR(FLOAT, n) for a fixed dimension and ARRAY otherwise', () => {
    expect(
      createTableSql('EMB', [
        ['id', 'NUMBER'],
        ['emb', 'FLOAT[384]'],
      ]),
    ).toBe('CREATE TABLE "EMB" ("ID" NUMBER, "EMB" VECTOR(FLOAT, 384))');
    expect(createTableSql('EMB', [['emb', 'DOUBLE[]']])).toBe('CREATE TABLE "EMB" ("EMB" ARRAY)');
    expect(createTableSql('EMB', [['emb', 'VECTOR(FLOAT, 8)']])).toBe('CREATE TABLE "EMB" ("EMB" VECTOR(FLOAT, 8))');
  });
});
