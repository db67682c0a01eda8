// A run's timeoutMinutes and a cancel stop a warehouse statement that is running, not only the next
// step: the export's heartbeats carry the cancel to the activity within seconds, and its signal
// interrupts DuckDB. Without that, the statement below would run for hours at full CPU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from './support/api.js';
import { createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { failureOf, until } from './support/wait.js';

/** One row at the very end of a scan of 10^12 rows: pure CPU, nothing written until it finishes. */
const ENDLESS_QUERY = 'SELECT count(*) AS id, 1.0 AS feature_1, 2.0 AS feature_2 FROM range(1000000000000) WHERE hash(range) = 42';
/** From the deadline (or the cancel) to the run's end: heartbeat throttle, interrupt, clean-up. */
const STOP_BOUND_MS = 20_000;

/** CPU seconds this process (worker and DuckDB threads included) uses over the next `ms`. */
async function cpuSecondsOver(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await new Promise((r) => setTimeout(r, ms));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/** Whether the run's export activity has started on the worker. */
async function exportStarted(h: Harness, runId: string): Promise<boolean> {
  const { raw } = await h.temporal.workflow.getHandle(runId).describe();
  return (raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'exportInput' && a.lastStartedTime);
}

describe('interrupting a running warehouse query', () => {
  let h: Harness;
  let api: TestApi;
  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 2_000);
    await h.startWorker();
    api = await startApi(h, ['linear-demo']);
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  it('timeoutMinutes 0.1 stops an endless export within seconds as JobTimeout, and the worker is idle after', async () => {
    const { runId } = await h.client.startBatchInference(
      seedSpec({ inputQuery: ENDLESS_QUERY, timeoutMinutes: 0.1, outputTableName: 'NEVER_TIMEOUT' }),
    );
    await until(async () => ((await exportStarted(h, runId)) ? true : undefined), 60_000, 'the export to start');
    const startedAt = Date.now();
    const failure = await failureOf(h.client.waitForResult(runId));
    const ms = Date.now() - startedAt;
    console.info(`timeout run ended ${ms} ms after its export started`);
    expect(failure.type).toBe('JobTimeout');
    expect(ms).toBeLessThan(6_000 + STOP_BOUND_MS);
    expect(await cpuSecondsOver(2_000)).toBeLessThan(0.8);
    // Its slot and activity slots are free: the next run goes through.
    const next = await h.client.startBatchInference(seedSpec({ outputTableName: 'AFTER_TIMEOUT' }));
    expect(await h.client.waitForResult(next.runId)).toMatchObject({ state: 'completed', rowsOut: 1_000 });
  });

  it('a cancel during an endless export ends the run cancelled within seconds', async () => {
    const { runId } = await h.client.startBatchInference(seedSpec({ inputQuery: ENDLESS_QUERY, outputTableName: 'NEVER_CANCEL' }));
    await until(async () => ((await exportStarted(h, runId)) ? true : undefined), 60_000, 'the export to start');
    const cancelledAt = Date.now();
    await h.client.cancelRun(runId);
    await expect(h.client.waitForResult(runId)).rejects.toThrow();
    const ms = Date.now() - cancelledAt;
    console.info(`cancelled run ended ${ms} ms after the cancel`);
    expect(ms).toBeLessThan(STOP_BOUND_MS);
    expect((await h.client.getProgress(runId)).state).toBe('cancelled');
    expect(await cpuSecondsOver(2_000)).toBeLessThan(0.8);
  });

  it("the API's row count of an endless query gives up after its timeout and stops the query too", async () => {
    const submitted = await api.call('POST', '/api/v1/inference/batch', {
      body: {
        model_id: 'linear-demo',
        input: { source: 'sql', query: ENDLESS_QUERY },
        output: { destination: 'table', table_name: 'NEVER_COUNTED' },
      },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    expect(submitted.body.input_row_count).toBeNull();
    // The run's own export is the next endless query: cancel it, then nothing may be left running.
    await until(async () => ((await exportStarted(h, submitted.body.job_id)) ? true : undefined), 60_000, 'the export to start');
    await h.client.cancelRun(submitted.body.job_id);
    await expect(h.client.waitForResult(submitted.body.job_id)).rejects.toThrow();
    expect(await cpuSecondsOver(2_000)).toBeLessThan(0.8);
  });
});
