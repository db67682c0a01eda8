// A worker process killed mid-run (SIGKILL: no cleanup at all) and a new one started: the run
// still completes with every row exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { compareWithExpected, createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { cliEnv, spawnCli } from './support/cli.js';
import { until } from './support/wait.js';

const PREDICTORS = fileURLToPath(new URL('./fixtures/slowPredictors.ts', import.meta.url));

describe('worker killed mid-run', () => {
  let h: Harness;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 120_000);
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await h?.close();
  });

  it('completes exactly once after a new worker takes over', async () => {
    const env = cliEnv(h, { BATCH_PREDICTORS: PREDICTORS });
    const first = spawnCli(['worker'], env);
    workers.push(first);
    const { runId } = await h.client.startBatchInference(
      seedSpec({ predictor: 'slowLinear', batchSizeInMb: 0.05, parallelWorkers: 2, heartbeatTimeout: 2 }),
    );
    // Kill it once some chunks are done and more remain.
    const before = await until(async () => {
      const p = await h.client.getProgress(runId);
      return p.state === 'running' && p.chunksDone >= 1 && p.chunksDone < (p.chunksTotal ?? 0) - 2 ? p : undefined;
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    const second = spawnCli(['worker'], env);
    workers.push(second);
    const summary = await h.client.waitForResult(runId);
    expect(summary.rowsOut).toBe(60_000);
    expect(before.chunksDone).toBeLessThan(summary.chunks);
    const diff = await compareWithExpected(h, 'MODEL_PREDICTIONS_DAILY');
    expect(diff).toEqual({ missing: 0, extra: 0, wrong: 0, published: 60_000, expected: 60_000 });
  });
});
