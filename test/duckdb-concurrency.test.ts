// Issue 11 item 2: many operations at once on one DuckDB file (publishes of several runs and tenants,
// exports, queries) never lose a committed table. Checked from a fresh process, which sees only what
// reached the file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStage } from '../src/adapters/stage/local/localStage.js';
import { DuckDBWarehouse } from '../src/adapters/warehouse/duckdb/duckdbWarehouse.js';
import { createFeatures, seedSpec } from './support/data.js';
import { createHarness } from './support/harness.js';

let dir: string;
let stage: LocalStage;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bi-concurrency-'));
  stage = new LocalStage(path.join(dir, 'stage'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Tables and publish markers of a warehouse file, read by a new `node` process. */
function readFromFreshProcess(file: string): { tables: string[]; publishes: string[] } {
  const script = `
    import { DuckDBInstance } from '@duckdb/node-api';
    const db = await DuckDBInstance.create(${JSON.stringify(file)}, { access_mode: 'READ_ONLY' });
    const c = await db.connect();
    const tables = (await c.runAndReadAll("SELECT schema_name || '.' || table_name || ':' || estimated_size FROM duckdb_tables() ORDER BY 1")).getRows().map((r) => String(r[0]));
    const publishes = (await c.runAndReadAll('SELECT publish_id FROM batch_inference_publishes ORDER BY 1')).getRows().map((r) => String(r[0]));
    console.log(JSON.stringify({ tables, publishes }));
  `;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
  if (out.status !== 0) throw new Error(`reader process failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim());
}

/** A run's output on the stage: one parquet file with `rows` rows, written by a separate warehouse file. */
async function stageOutput(runId: string, rows: number): Promise<string> {
  const prefix = `runs/${runId}/output`;
  const maker = new DuckDBWarehouse(path.join(dir, `maker-${runId}.duckdb`));
  await maker.exportQuery({
    runId,
    sql: `SELECT i::BIGINT AS id, i * 0.5 AS score FROM range(${rows}) r(i)`,
    stage,
    prefix,
    fileSizeBytes: 1 << 20,
    useUtc: true,
  });
  return prefix;
}

describe('one DuckDB file, many operations at once', () => {
  it('keeps every committed table when publishes, exports and queries overlap', async () => {
    const file = path.join(dir, 'shared.duckdb');
    const warehouse = new DuckDBWarehouse(file);
    // A second object on the same file (another tenant's view of one shared file): it must share the gate.
    const sameFile = new DuckDBWarehouse(file);
    await warehouse.query('SELECT 1'); // the file exists before the burst
    const runs = Array.from({ length: 6 }, (_, i) => ({ runId: `run-${i}`, tenant: i % 2 ? 'tenant_b' : 'tenant_a', rows: 100 + i }));
    const prefixes = await Promise.all(runs.map((r) => stageOutput(r.runId, r.rows)));

    const results = await Promise.all([
      ...runs.map((r, i) =>
        (i % 2 ? sameFile : warehouse).publish({
          runId: r.runId,
          publishId: `${r.runId}/x`,
          table: `${r.tenant}.predictions_${i}`,
          autoCreateTable: true,
          overwrite: true,
          stage,
          prefix: prefixes[i],
          useUtc: true,
        }),
      ),
      ...runs.map((r) =>
        warehouse.exportQuery({
          runId: `${r.runId}-export`,
          sql: 'SELECT 42 AS answer',
          stage,
          prefix: `runs/${r.runId}-export/input`,
          fileSizeBytes: 1 << 20,
          useUtc: true,
        }),
      ),
      ...runs.map((_, i) => (i % 2 ? sameFile : warehouse).query('SELECT count(*) AS n FROM duckdb_tables()')),
    ]);
    const published = results.slice(0, runs.length) as { loaded: boolean }[];
    expect(published.every((p) => p.loaded)).toBe(true);

    const seen = readFromFreshProcess(file);
    expect(seen.publishes).toEqual(runs.map((r) => `${r.runId}/x`).sort());
    for (const [i, r] of runs.entries()) expect(seen.tables).toContain(`${r.tenant}.predictions_${i}:${r.rows}`);
  });

  it('runs of two tenants on one worker, started at once, all keep their tables (checked from a fresh process)', async () => {
    const h = await createHarness({ BATCH_MAX_CONCURRENT_JOBS: '10' });
    try {
      await createFeatures(h, 4_000);
      await h.startWorker();
      const runs = Array.from({ length: 6 }, (_, i) => ({
        tenant: i % 2 ? 'tenantB' : 'tenantA',
        table: `${i % 2 ? 'tenant_b' : 'tenant_a'}.scores_${i}`,
      }));
      const started = await Promise.all(
        runs.map((r) => h.client.startBatchInference(seedSpec({ outputTableName: r.table, parallelWorkers: 2 }), { tenant: r.tenant })),
      );
      const summaries = await Promise.all(started.map(({ runId }) => h.client.waitForResult(runId)));
      expect(summaries.map((s) => s.state)).toEqual(runs.map(() => 'completed'));
      const seen = readFromFreshProcess(h.warehouse.path);
      for (const r of runs) expect(seen.tables).toContain(`${r.table}:2000`);
      expect(seen.publishes).toHaveLength(runs.length);
    } finally {
      await h.close();
    }
  });
});
