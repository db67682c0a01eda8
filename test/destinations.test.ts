// Output destinations on the real pipeline: parquet and CSV files under a stage path (data files
// first, _SUCCESS last), the three save modes, tables with saveMode, and includeInputColumns.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpecError } from '../src/spec/errors.js';
import { EXPECTED_SQL, compareWithExpected, createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { recordingStage, type StageEvent } from './support/recordingStage.js';
import { failureOf } from './support/wait.js';

const fileSpec = (destination: 'parquet' | 'csv', outputPath: string, overrides: Record<string, unknown> = {}) =>
  seedSpec({ outputTableName: undefined, outputDestination: destination, outputPath, ...overrides });

describe('output destinations', () => {
  let h: Harness;
  let stage: ReturnType<typeof recordingStage>;
  const run = async (spec: Record<string, unknown>) => {
    const { runId } = await h.client.startBatchInference(spec);
    return { runId, summary: await h.client.waitForResult(runId) };
  };
  const filesIn = (p: string) => fs.readdirSync(path.join(h.stage.root, p)).sort();
  /** The stage events of one path, from the first one after `from`. */
  const eventsUnder = (p: string, from: number) => stage.events.slice(from).filter((e) => e.key.startsWith(`${p}/`));
  /** Data files all land before _SUCCESS, which is withdrawn first and put last. */
  const expectSuccessLast = (events: StageEvent[], p: string) => {
    const success = `${p}/_SUCCESS`;
    expect(events[0]).toEqual({ op: 'delete', key: success });
    expect(events.at(-1)).toEqual({ op: 'put', key: success });
    const dataPuts = events.filter((e) => e.op === 'put' && e.key !== success);
    expect(dataPuts.length).toBeGreaterThan(1);
    expect(events.filter((e) => e.key === success && e.op === 'put')).toHaveLength(1);
  };

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 20_000);
    stage = recordingStage(h.stage);
    await h.startWorker({ stage });
  });
  afterAll(() => h?.close());

  it('parquet with overwrite replaces the path: new part files, then _SUCCESS; old files gone', async () => {
    const first = await run(fileSpec('parquet', 'results/daily', { batchSizeInMb: 0.01 }));
    expect(first.summary).toMatchObject({ destination: 'parquet', path: 'results/daily', rowsOut: 10_000 });
    const firstFiles = filesIn('results/daily');
    expect(firstFiles).toContain('_SUCCESS');

    const mark = stage.events.length;
    const second = await run(fileSpec('parquet', 'results/daily/', { batchSizeInMb: 0.01, saveMode: 'overwrite' }));
    const events = eventsUnder('results/daily', mark);
    expectSuccessLast(events, 'results/daily');
    // Old files went only after every new one had landed.
    const lastNewPut = events.map((e) => e.op === 'put' && e.key.includes(second.runId)).lastIndexOf(true);
    const firstOldDelete = events.findIndex((e) => e.op === 'delete' && e.key.includes(first.runId));
    expect(firstOldDelete).toBeGreaterThan(lastNewPut);

    const files = filesIn('results/daily');
    expect(files.filter((f) => f.includes(first.runId))).toEqual([]);
    expect(files.filter((f) => f.startsWith(`part-${second.runId}-`)).length).toBe(second.summary.chunks);
    const marker = JSON.parse(fs.readFileSync(path.join(h.stage.root, 'results/daily/_SUCCESS'), 'utf8'));
    expect(marker).toMatchObject({ runId: second.runId, format: 'parquet', rows: 10_000, files: second.summary.chunks });

    const glob = path.join(h.stage.root, 'results/daily/*.parquet');
    const [diff] = await h.sql<{ missing: number; wrong: number; n: number }>(`
      WITH e AS (${EXPECTED_SQL()}), p AS (SELECT * FROM read_parquet('${glob}'))
      SELECT (SELECT count(*) FROM p)::INTEGER AS n,
             (SELECT count(*) FROM e WHERE id NOT IN (SELECT id FROM p))::INTEGER AS missing,
             (SELECT count(*) FROM e JOIN p USING (id) WHERE abs(e.score - p.score) > 1e-9 OR e.label <> p.label)::INTEGER AS wrong`);
    expect(diff).toEqual({ n: 10_000, missing: 0, wrong: 0 });
  });

  it('csv with append adds a second run beside the first; each run puts _SUCCESS last', async () => {
    const mark1 = stage.events.length;
    const first = await run(fileSpec('csv', 'results/csv', { saveMode: 'append', batchSizeInMb: 0.01, ctx: { ds: '2026-02-26' } }));
    expectSuccessLast(eventsUnder('results/csv', mark1), 'results/csv');
    const mark2 = stage.events.length;
    const second = await run(fileSpec('csv', 'results/csv', { overwrite: false, batchSizeInMb: 0.01, ctx: { ds: '2026-02-25' } }));
    expectSuccessLast(eventsUnder('results/csv', mark2), 'results/csv');
    expect(eventsUnder('results/csv', mark2).some((e) => e.op === 'delete' && e.key.includes(first.runId))).toBe(false);

    const files = filesIn('results/csv');
    expect(files.some((f) => f.startsWith(`part-${first.runId}-`) && f.endsWith('.csv'))).toBe(true);
    expect(files.some((f) => f.startsWith(`part-${second.runId}-`) && f.endsWith('.csv'))).toBe(true);
    const glob = path.join(h.stage.root, 'results/csv/*.csv');
    const [counts] = await h.sql<{ n: number; ids: number; wrong: number }>(`
      WITH e AS (${EXPECTED_SQL('true')}), p AS (SELECT * FROM read_csv('${glob}', header = true))
      SELECT (SELECT count(*) FROM p)::INTEGER AS n, (SELECT count(DISTINCT id) FROM p)::INTEGER AS ids,
             (SELECT count(*) FROM e JOIN p USING (id) WHERE abs(e.score - p.score) > 1e-9 OR e.label <> p.label)::INTEGER AS wrong`);
    expect(counts).toEqual({ n: 20_000, ids: 20_000, wrong: 0 });
  });

  it('saveMode error fails in preparing when the path holds files, before any scoring', async () => {
    const { runId } = await h.client.startBatchInference(fileSpec('parquet', 'results/daily', { saveMode: 'error' }));
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('OutputExistsError');
    expect(failure.message).toMatch(/outputPath "results\/daily" is not empty .* saveMode is "error"/);
    expect(fs.existsSync(path.join(h.stage.root, 'runs', runId, 'output'))).toBe(false);
    expect(fs.existsSync(path.join(h.stage.root, 'runs', runId, 'manifest.json'))).toBe(false);
    expect(await h.client.getProgress(runId)).toMatchObject({ state: 'failed' });

    const fresh = await run(fileSpec('parquet', 'results/fresh', { saveMode: 'error' }));
    expect(filesIn('results/fresh')).toContain('_SUCCESS');
    expect(fresh.summary.rowsOut).toBe(10_000);
  });

  it('tables take saveMode too: error refuses a table with rows; overwrite: false means append', async () => {
    await run(seedSpec({ outputTableName: 'MODES_TABLE' }));
    const { runId } = await h.client.startBatchInference(seedSpec({ outputTableName: 'MODES_TABLE', saveMode: 'error' }));
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('OutputExistsError');
    expect(failure.message).toMatch(/Table MODES_TABLE already has rows and saveMode is "error"/);

    await run(seedSpec({ outputTableName: 'MODES_TABLE', saveMode: 'append' }));
    expect(await h.sql('SELECT count(*)::INTEGER AS n FROM MODES_TABLE')).toEqual([{ n: 20_000 }]);
    await run(seedSpec({ outputTableName: 'MODES_TABLE', overwrite: true }));
    expect(await compareWithExpected(h, 'MODES_TABLE')).toMatchObject({ missing: 0, extra: 0, wrong: 0, published: 10_000 });
    await run(seedSpec({ outputTableName: 'EMPTY_BEFORE', saveMode: 'error' }));
    expect(await h.sql('SELECT count(*)::INTEGER AS n FROM EMPTY_BEFORE')).toEqual([{ n: 10_000 }]);

    await expect(h.client.startBatchInference(seedSpec({ overwrite: false, saveMode: 'overwrite' }))).rejects.toThrow(SpecError);
    await expect(h.client.startBatchInference(fileSpec('csv', 'runs/x'))).rejects.toThrow(/outputPath: "runs\/x" is inside "runs\/"/);
    await expect(h.client.startBatchInference(seedSpec({ outputDestination: 'parquet' }))).rejects.toThrow(
      /outputPath: required when outputDestination is "parquet"[\s\S]*outputTableName: only for outputDestination "table"/,
    );
  });

  it('includeInputColumns keeps every input column next to the predictions, in files and tables', async () => {
    const query = `SELECT id, feature_1, feature_2, ds, 'x' || id::VARCHAR AS tag FROM {schema}.model_features WHERE ds = '{ds}'`;
    await run(fileSpec('parquet', 'results/wide', { inputQuery: query, includeInputColumns: true, batchSizeInMb: 0.05 }));
    const glob = path.join(h.stage.root, 'results/wide/*.parquet');
    const columns = await h.sql<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet('${glob}')`);
    expect(columns.map((c) => [c.column_name, c.column_type])).toEqual([
      ['feature_1', 'DOUBLE'],
      ['feature_2', 'DOUBLE'],
      ['ds', 'VARCHAR'],
      ['tag', 'VARCHAR'],
      ['id', 'BIGINT'],
      ['score', 'DOUBLE'],
      ['label', 'BIGINT'],
    ]);
    const [check] = await h.sql<{ n: number; mismatched: number }>(`
      SELECT count(*)::INTEGER AS n,
        count(*) FILTER (WHERE p.tag <> 'x' || p.id::VARCHAR OR p.feature_1 IS DISTINCT FROM f.feature_1
                          OR p.feature_2 IS DISTINCT FROM f.feature_2 OR p.ds <> f.ds)::INTEGER AS mismatched
      FROM read_parquet('${glob}') p JOIN dev.model_features f USING (id)`);
    expect(check).toEqual({ n: 10_000, mismatched: 0 });
    // Without outputTableDefinition the chunk files are written by parquet-wasm (chunkIO.ts) and copied
    // as they are to the user's path: they keep min/max statistics for the user's readers.
    await run(fileSpec('parquet', 'results/plain', { outputTableDefinition: undefined }));
    // They are snappy-compressed too, though the stage is local (its own chunk files are not).
    const [stats] = await h.sql<{ chunks: number; without: number; uncompressed: number }>(`
      SELECT count(*)::INTEGER AS chunks,
        count(*) FILTER (WHERE coalesce(stats_min_value, stats_min) IS NULL)::INTEGER AS without,
        count(*) FILTER (WHERE compression <> 'SNAPPY')::INTEGER AS uncompressed
      FROM parquet_metadata('${path.join(h.stage.root, 'results/plain/*.parquet')}')`);
    expect(stats.chunks).toBeGreaterThan(0);
    expect(stats.without).toBe(0);
    expect(stats.uncompressed).toBe(0);

    await run(seedSpec({ inputQuery: query, outputTableName: 'WIDE_TABLE', includeInputColumns: true }));
    const tableColumns = await h.sql<{ column_name: string }>('DESCRIBE WIDE_TABLE');
    expect(tableColumns.map((c) => c.column_name)).toEqual(['feature_1', 'feature_2', 'ds', 'tag', 'id', 'score', 'label']);
    expect(await compareWithExpected(h, 'WIDE_TABLE')).toMatchObject({ missing: 0, extra: 0, wrong: 0 });
  });
});
