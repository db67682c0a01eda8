// A worker process killed mid-run (SIGKILL: no cleanup at all) and a new one started: the run
// still completes with every row exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { compareWithExpected, createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { cliEnv } from './support/cli.js';
import { fileGate } from './support/fileGate.js';
import { spawnCliGroup, type GroupProcess } from './support/processGroup.js';
import { until } from './support/wait.js';

describe('worker killed mid-run', () => {
  let h: Harness;
  const workers: GroupProcess[] = [];
  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 120_000);
  });
  afterAll(async () => {
    for (const w of workers) w.killGroup();
    await h?.close();
  });

  it('completes exactly once after a new worker takes over', async () => {
    const gate = fileGate(path.join(h.dir, 'gates'));
    const env = cliEnv(h, gate.env);
    const first = spawnCliGroup(['worker'], env);
    workers.push(first);
    // The first chunk of each slice scores, the others wait at the gate: the worker dies mid-run
    // however fast or slow this machine is.
    const runId = `bi-restart-${Date.now()}`;
    gate.allow(runId, 1);
    await h.client.startBatchInference(
      seedSpec({ predictor: 'gatedLinear', batchSizeInMb: 0.05, parallelWorkers: 2, heartbeatTimeout: 2 }),
      { runId },
    );
    const before = await until(async () => {
      const p = await h.client.getProgress(runId);
      return p.state === 'running' && p.chunksDone >= 1 && gate.waiting(runId) ? p : undefined;
    });
    first.killGroup();
    await first.exited;

    const second = spawnCliGroup(['worker'], env);
    workers.push(second);
    gate.open(runId);
    const summary = await h.client.waitForResult(runId);
    expect(summary.rowsOut).toBe(60_000);
    expect(before.chunksDone).toBeLessThan(summary.chunks);
    const diff = await compareWithExpected(h, 'MODEL_PREDICTIONS_DAILY');
    expect(diff).toEqual({ missing: 0, extra: 0, wrong: 0, published: 60_000, expected: 60_000 });
  });
});
