// Cancelling a run: children and their in-flight activities stop (seen through heartbeats),
// publish is skipped and the run's staged files are deleted.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatedPredictor } from './fixtures/gatedPredictor.js';
import { createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { until } from './support/wait.js';

describe('cancellation', () => {
  let h: Harness;
  let batchesAfterCancel = 0;
  let cancelledAt = 0;
  const gate = gatedPredictor();
  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 40_000);
    await h.startWorker({
      batchRows: 2048,
      predictors: {
        slow: async (input, ctx) => {
          const output = await gate.gated(input, ctx);
          if (cancelledAt) batchesAfterCancel++;
          return output;
        },
      },
    });
  });
  afterAll(() => h?.close());

  it('stops children and activities, skips publish and deletes staged files', async () => {
    // One chunk scores and the rest wait at the gate, which never opens: the run is mid-way when cancelled.
    const runId = `bi-cancellation-${Date.now()}`;
    gate.allow(runId, 1);
    await h.client.startBatchInference(
      seedSpec({ predictor: 'slow', outputTableName: 'CANCELLED_OUTPUT', batchSizeInMb: 0.02, parallelWorkers: 2, heartbeatTimeout: 1 }),
      { runId },
    );
    await until(
      async () => {
        const p = await h.client.getProgress(runId);
        return p.state === 'running' && p.chunksDone >= 1 ? p : undefined;
      },
      30_000,
      'a chunk scored while others remain',
    );
    const runDir = path.join(h.stage.root, 'runs', runId);
    expect(fs.existsSync(runDir)).toBe(true);

    cancelledAt = Date.now();
    await h.client.cancelRun(runId);
    await expect(h.client.waitForResult(runId)).rejects.toThrow();

    expect(await h.client.getProgress(runId)).toMatchObject({ state: 'cancelled' });
    for (const worker of [0, 1]) {
      const child = await h.temporal.workflow.getHandle(`${runId}-worker-${worker}`).describe();
      expect(child.status.name).toBe('CANCELLED');
    }
    expect(fs.existsSync(runDir)).toBe(false);
    await expect(h.sql('SELECT * FROM CANCELLED_OUTPUT')).rejects.toThrow(/does not exist/);
    // In-flight chunks noticed the cancel at their next heartbeat rather than scoring on.
    const sinceCancel = batchesAfterCancel;
    await new Promise((r) => setTimeout(r, 1500));
    expect(batchesAfterCancel).toBe(sinceCancel);
    expect(batchesAfterCancel).toBeLessThan(10);
  });
});
