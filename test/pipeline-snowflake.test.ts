// A whole run on Temporal that publishes to Snowflake (fakesnow) with the seed spec unchanged.
// fakesnow cannot unload, so the worker's export is DuckDB's, written into the folder behind
// fakesnow's internal stage; scoring, the publish activity and its retries are the production code.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSnowflakePool, execute } from '../src/adapters/warehouse/snowflake/connection.js';
import { SnowflakeWarehouse } from '../src/adapters/warehouse/snowflakeWarehouse.js';
import type { Warehouse } from '../src/adapters/warehouse/warehouse.js';
import { loadConfig } from '../src/config.js';
import { createFeatures, EXPECTED_SQL, seedSpec } from './support/data.js';
import { startFakesnow, type FakesnowServer } from './support/fakesnowServer.js';
import { createHarness, type Harness } from './support/harness.js';

describe('a run that publishes to Snowflake', () => {
  let fk: FakesnowServer;
  let h: Harness;
  let sf: SnowflakeWarehouse;
  let admin: (sql: string) => Promise<Record<string, unknown>[]>;
  let closeAdmin: () => Promise<void>;

  beforeAll(async () => {
    fk = await startFakesnow();
    const config = loadConfig({
      BATCH_WAREHOUSE: 'snowflake', BATCH_STAGE: 's3://unused/batch',
      SNOWFLAKE_ACCOUNT: 'fake', SNOWFLAKE_USER: 'worker', SNOWFLAKE_PASSWORD: 'secret',
      SNOWFLAKE_DATABASE: 'BI', SNOWFLAKE_SCHEMA: 'DEV', SNOWFLAKE_STAGE: 'BI_STAGE',
      SNOWFLAKE_HOST: fk.host, SNOWFLAKE_PORT: String(fk.port), SNOWFLAKE_PROTOCOL: 'http',
    });
    if (config.warehouse.kind !== 'snowflake') throw new Error('expected snowflake config');
    const pool = createSnowflakePool(config.warehouse);
    admin = (sql) => pool.use((conn) => execute(conn, sql));
    closeAdmin = async () => { await pool.drain(); await pool.clear(); };
    await admin('CREATE DATABASE IF NOT EXISTS BI');
    await admin('CREATE SCHEMA IF NOT EXISTS BI.DEV');
    await admin('CREATE STAGE IF NOT EXISTS BI.DEV.BI_STAGE');
    const stageDir = fk.internalStageDir('BI', 'DEV', 'BI_STAGE');
    fs.mkdirSync(stageDir, { recursive: true });
    h = await createHarness({ BATCH_STAGE: `file:${stageDir}` });
    await createFeatures(h, 40_000);
    sf = new SnowflakeWarehouse(config.warehouse);
    const hybrid: Warehouse = {
      describe: () => 'duckdb export + snowflake publish',
      exportQuery: (req) => h.warehouse.exportQuery(req),
      publish: (req) => sf.publish(req),
      query: (sql, o) => sf.query(sql, o),
      preview: (t, n) => sf.preview(t, n),
      close: () => sf.close(),
    };
    await h.startWorker({ warehouse: hybrid });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await sf?.close();
    await closeAdmin?.();
    await fk?.stop();
  });

  it('publishes every row once, equal to DuckDB scoring them, into a table made from the Snowflake types', async () => {
    const { runId } = await h.client.startBatchInference(seedSpec({ batchSizeInMb: 0.05 }));
    const summary = await h.client.waitForResult(runId);
    expect(summary).toMatchObject({ state: 'completed', rowsIn: 20_000, rowsOut: 20_000 });
    expect(summary.chunks).toBeGreaterThan(1);

    const published = await admin('SELECT ID, SCORE, LABEL FROM MODEL_PREDICTIONS_DAILY');
    const expected = await h.sql<{ id: bigint; score: number; label: number }>(EXPECTED_SQL());
    expect(published).toHaveLength(expected.length);
    const byId = new Map(published.map((r) => [Number(r.ID), r]));
    let wrong = 0;
    for (const e of expected) {
      const p = byId.get(Number(e.id));
      if (!p || Math.abs(Number(p.SCORE) - e.score) > 1e-9 || Number(p.LABEL) !== Number(e.label)) wrong++;
    }
    expect(wrong).toBe(0);
    expect(fk.statements.some((s) => /^CREATE TABLE "MODEL_PREDICTIONS_DAILY" \("ID" NUMBER, "SCORE" FLOAT, "LABEL" NUMBER\)$/.test(s.sqlText))).toBe(true);
    expect(await admin(`SELECT RUN_ID, ROW_COUNT FROM BATCH_INFERENCE_PUBLISHES`)).toEqual([{ RUN_ID: runId, ROW_COUNT: 20_000 }]);
  });
});
