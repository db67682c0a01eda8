// A whole run on Temporal that publishes to Snowflake (fakesnow) with the seed spec unchanged.
// fakesnow cannot unload, so the worker's export is DuckDB's, written into the folder behind
// fakesnow's internal stage; scoring, the publish activity and its retries are the production code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnowflakeWarehouse } from '../src/adapters/warehouse/snowflake/snowflakeWarehouse.js';
import { createFeatures, EXPECTED_SQL, seedSpec } from './support/data.js';
import {
  duckdbExportThenSnowflake,
  fakesnowAccount,
  startFakesnow,
  type FakesnowAccount,
  type FakesnowServer,
} from './support/fakesnowServer.js';
import { createHarness, type Harness } from './support/harness.js';

describe('a run that publishes to Snowflake', () => {
  let fk: FakesnowServer;
  let h: Harness;
  let sf: SnowflakeWarehouse;
  let account: FakesnowAccount;
  let admin: FakesnowAccount['admin'];

  beforeAll(async () => {
    fk = await startFakesnow();
    account = await fakesnowAccount(fk);
    admin = account.admin;
    h = await createHarness({ BATCH_STAGE: `file:${account.stageDir}` });
    await createFeatures(h, 40_000);
    sf = new SnowflakeWarehouse(account.settings);
    const hybrid = duckdbExportThenSnowflake(h.warehouse, sf);
    await h.startWorker({ warehouse: hybrid });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await sf?.close();
    await account?.close();
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
    expect(
      fk.statements.some((s) => /^CREATE TABLE "MODEL_PREDICTIONS_DAILY" \("ID" NUMBER, "SCORE" FLOAT, "LABEL" NUMBER\)$/.test(s.sqlText)),
    ).toBe(true);
    expect(await admin(`SELECT RUN_ID, ROW_COUNT FROM BATCH_INFERENCE_PUBLISHES`)).toEqual([{ RUN_ID: runId, ROW_COUNT: 20_000 }]);
  });
});
