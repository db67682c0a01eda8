// An ONNX model that never returns (a Loop of 10^12 iterations: onnxruntime runs a graph synchronously)
// must not hold the worker: it runs in a predictor thread, so the chunk fails with its timeoutPerBatch
// error, and the same worker, with a single activity slot, then scores a good ONNX model. The worker
// is a real process (its own process group, killed at the end with the thread still spinning).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from './support/cli.js';
import { createHarness, type Harness } from './support/harness.js';
import { spawnCliGroup, type GroupProcess } from './support/processGroup.js';
import { failureOf } from './support/wait.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/onnx_hang.py', import.meta.url));

describe('an ONNX model that never returns', () => {
  let h: Harness;
  let env: NodeJS.ProcessEnv;
  let worker: GroupProcess | undefined;
  let fx: string;

  beforeAll(async () => {
    h = await createHarness();
    fx = path.join(h.dir, 'onnx');
    execFileSync('python3', [FIXTURE, fx], { stdio: 'inherit' });
    // One slot: the good run after the hung one can only be scored if the hung chunk gave its slot back.
    env = cliEnv(h, { BATCH_MAX_CONCURRENT_ACTIVITIES: '1' });
    await h.sql('CREATE SCHEMA IF NOT EXISTS dev');
    await h.sql('CREATE TABLE dev.hang_inputs AS SELECT i AS id, i * 0.5 AS x FROM range(200) t(i)');
  });
  afterAll(async () => {
    worker?.killGroup();
    await worker?.exited;
    await h?.close();
  });

  it('fails its chunk at timeoutPerBatch, and the same worker then scores a good ONNX model', async () => {
    for (const [name, file] of [
      ['forever', 'loop.onnx'],
      ['plus_one', 'plus_one.onnx'],
    ]) {
      const reg = await runCli(['models', 'register', name, path.join(fx, file)], env);
      expect(reg, reg.stderr).toMatchObject({ code: 0 });
    }
    worker = spawnCliGroup(['worker'], env);
    const spec = (model: string, out: string, timeoutPerBatch: number) => ({
      inputQuery: 'SELECT id, x FROM dev.hang_inputs',
      model,
      outputTableName: out,
      parallelWorkers: 1,
      timeoutPerBatch,
      retries: 0,
      includeInputColumns: true,
    });

    const hung = await h.client.startBatchInference(spec('forever', 'OUT_FOREVER', 3));
    const failure = await failureOf(h.client.waitForResult(hung.runId));
    expect(failure.message, worker.output()).toMatch(
      /chunk \d+ of worker \d+: predictor ".*forever.*" did not return within timeoutPerBatch \(3 s\)/,
    );

    // A generous limit here: a fresh thread starts and opens its session next to the one still spinning.
    const good = await h.client.startBatchInference(spec('plus_one', 'OUT_PLUS_ONE', 60));
    const summary = await h.client.waitForResult(good.runId);
    expect(summary.rowsOut).toBe(200);
    const rows = await h.sql<{ id: bigint; y: number }>('SELECT id, y FROM OUT_PLUS_ONE ORDER BY id');
    expect(rows).toHaveLength(200);
    for (const r of rows) expect(r.y).toBeCloseTo(Number(r.id) * 0.5 + 1, 5);
  }, 120_000);
});
