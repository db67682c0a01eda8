// The same pipeline with S3 (moto) as the stage: exact values through a connection that keeps
// dropping, and a cancelled run's prefix deleted. Listing past 1,000 keys is in s3-stage.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Stage } from '../src/adapters/stage/s3/s3Stage.js';
import { gatedPredictor } from './fixtures/gatedPredictor.js';
import { startCuttingProxy, type CuttingProxy } from './support/cuttingProxy.js';
import { CLEANUP_WORKFLOW_TYPE } from '../src/workflows/retention/contract.js';
import { compareWithExpected, createFeatures, EXPECTED_SQL, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { s3StageEnv, startS3Server, type S3Server } from './support/s3Server.js';
import { until } from './support/wait.js';

describe('batch inference on DuckDB + S3 stage', () => {
  let server: S3Server;
  let proxy: CuttingProxy;
  let h: Harness<S3Stage>;
  const gate = gatedPredictor();
  beforeAll(async () => {
    server = await startS3Server();
    proxy = await startCuttingProxy(server.endpoint);
    // The worker reaches S3 through the proxy, so tests can drop its connections mid-transfer.
    const env = await s3StageEnv(server.endpoint, 'pipeline');
    h = await createHarness<S3Stage>({ ...env, AWS_ENDPOINT_URL: proxy.endpoint });
    await createFeatures(h, 200_000);
    await h.startWorker({ predictors: { gated: gate.gated } });
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
    await server?.stop();
  });

  it('publishes values equal to DuckDB computing them while downloads keep being cut mid-body', async () => {
    const cutter = setInterval(() => proxy.cutNextResponseAfter(48 * 1024), 150);
    try {
      const { runId } = await h.client.startBatchInference(seedSpec({ batchSizeInMb: 0.25 }));
      const summary = await h.client.waitForResult(runId);
      expect(summary).toMatchObject({ state: 'completed', rowsIn: 100_000, rowsOut: 100_000 });
      expect(summary.chunks).toBeGreaterThan(1);
    } finally {
      clearInterval(cutter);
    }
    expect(proxy.cuts).toBeGreaterThan(0);
    expect(await compareWithExpected(h, 'MODEL_PREDICTIONS_DAILY')).toEqual({
      missing: 0,
      extra: 0,
      wrong: 0,
      published: 100_000,
      expected: 100_000,
    });
  });

  it('writes parquet results to the bucket with _SUCCESS, and retention removes them once the run is old', async () => {
    const { runId } = await h.client.startBatchInference(
      seedSpec({ outputTableName: undefined, outputDestination: 'parquet', outputPath: 'results/daily', batchSizeInMb: 0.05 }),
    );
    const summary = await h.client.waitForResult(runId);
    const keys = (await h.stage.list('results/daily')).map((o) => o.key);
    expect(keys).toContain('results/daily/_SUCCESS');
    const parts = keys.filter((k) => k.endsWith('.parquet'));
    expect(parts).toHaveLength(summary.chunks);
    expect(await h.stage.getJson('results/daily/_SUCCESS')).toMatchObject({ runId, format: 'parquet', rows: 100_000 });

    // Read the result back from the bucket and compare it with DuckDB scoring the same rows.
    const copies = await Promise.all(parts.map((k) => h.stage.localCopy(k)));
    try {
      const list = copies.map((c) => `'${c.path}'`).join(', ');
      const [diff] = await h.sql<{ n: number; wrong: number }>(`
        WITH e AS (${EXPECTED_SQL()}), p AS (SELECT * FROM read_parquet([${list}]))
        SELECT (SELECT count(*) FROM p)::INTEGER AS n,
               (SELECT count(*) FROM e LEFT JOIN p USING (id) WHERE p.id IS NULL OR abs(e.score - p.score) > 1e-9 OR e.label <> p.label)::INTEGER AS wrong`);
      expect(diff).toEqual({ n: 100_000, wrong: 0 });
    } finally {
      await Promise.all(copies.map((c) => c.release()));
    }

    // A cutoff after the run closed: its staged files and its results leave the bucket.
    expect((await h.stage.list(`runs/${runId}`)).length).toBeGreaterThan(0);
    await h.temporal.workflow.execute(CLEANUP_WORKFLOW_TYPE, {
      taskQueue: h.taskQueue,
      workflowId: `cleanup-s3-${runId}`,
      args: [{ ttlHours: 168, cutoff: new Date(Date.now() + 1000).toISOString() }],
    });
    expect(await h.stage.list(`runs/${runId}`)).toEqual([]);
    expect(await h.stage.list('results/daily')).toEqual([]);
  });

  it('deletes the run prefix from the bucket when a run is cancelled', async () => {
    // One chunk scores, the rest wait at the gate: the run is mid-way whenever the cancel arrives.
    const runId = 'bi-cancelled-s3-' + Date.now();
    gate.allow(runId, 1);
    await h.client.startBatchInference(
      seedSpec({ predictor: 'gated', outputTableName: 'CANCELLED_S3', batchSizeInMb: 0.02, parallelWorkers: 2 }),
      { runId },
    );
    await until(async () => ((await h.client.getProgress(runId)).chunksDone >= 1 ? true : undefined), 60_000, 'a chunk scored');
    expect((await h.stage.list(`runs/${runId}`)).length).toBeGreaterThan(0);
    await h.client.cancelRun(runId);
    await expect(h.client.waitForResult(runId)).rejects.toThrow();
    expect(await h.stage.list(`runs/${runId}`)).toEqual([]);
    await expect(h.sql('SELECT * FROM CANCELLED_S3')).rejects.toThrow(/does not exist/);
  });
});
