// `batch-inference runs` and `batch-inference logs`: a tenant's runs from visibility, and a run's
// timeline read back from its history and its children's (phases, chunk attempts, cancellation).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunTimeline } from '../src/client/runTimeline.js';
import { linearDemo } from '../src/predictors/linearDemo.js';
import type { Predictor } from '../src/predictors/types.js';
import { cliEnv, runCli } from './support/cli.js';
import { createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { until } from './support/wait.js';
import { gatedPredictor } from './fixtures/gatedPredictor.js';

describe('runs and logs', () => {
  let h: Harness;
  let env: NodeJS.ProcessEnv;
  const gate = gatedPredictor();
  // Chunk 0 of worker 0 fails its first attempt once per run: one retry, with its error, in the history.
  const failedOnce = new Set<string>();
  const flaky: Predictor = (input, ctx) => {
    if (ctx.worker === 0 && ctx.chunk === 0 && !failedOnce.has(ctx.runId)) {
      failedOnce.add(ctx.runId);
      throw new Error('model server hiccup (flaky fixture)');
    }
    return linearDemo(input);
  };
  let completedRun: string;

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 80_000); // 40,000 rows on the date: two chunks of at least 16,384
    await h.startWorker({ batchRows: 2048, predictors: { gated: gate.gated, flaky } });
    env = cliEnv(h);
    ({ runId: completedRun } = await h.client.startBatchInference(
      seedSpec({ predictor: 'flaky', parallelWorkers: 2, outputTableName: 'LOGS_OK' }),
    ));
    await h.client.waitForResult(completedRun);
  });
  afterAll(() => h?.close());

  it('logs --json tells a completed run: its phases in order, its steps, each chunk with its worker, and the retry with its error', async () => {
    const result = await runCli(['logs', completedRun, '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const t = JSON.parse(result.stdout) as RunTimeline;
    expect(t).toMatchObject({ runId: completedRun, tenant: 'default', outcome: 'completed', retries: 1 });
    expect(t.phases.map((p) => p.state)).toEqual(['submitted', 'preparing', 'running', 'completing', 'completed']);
    const times = t.phases.map((p) => Date.parse(p.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(t.steps.map((s) => s.name)).toEqual(['prepareRun', 'exportInput', 'publishOutput']);
    expect(t.steps.every((s) => s.outcome === 'completed' && s.attempts === 1 && /@/.test(s.worker ?? ''))).toBe(true);

    expect(t.slices.map((s) => s.slice)).toEqual([0, 1]);
    const chunks = t.slices.flatMap((s) => s.chunks);
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks.every((c) => c.outcome === 'completed' && c.worker && c.chunk >= 0)).toBe(true);
    // Each landed chunk is named exactly once, whether scored alone or in a group [chunk, chunkEnd).
    const named = chunks.flatMap((c) =>
      Array.from({ length: (c.chunkEnd ?? c.chunk + 1) - c.chunk }, (_, i) => `${c.slice}/${c.chunk + i}`),
    );
    expect(new Set(named).size).toBe(named.length);
    expect(chunks.every((c) => c.chunkEnd !== undefined && c.chunkEnd > c.chunk)).toBe(true);
    const retried = chunks.filter((c) => c.attempts > 1);
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({ slice: 0, chunk: 0, attempts: 2 });
    expect(retried[0]!.retriedAfter).toContain('model server hiccup (flaky fixture)');
    expect(t.cancellation).toBeUndefined();
  });

  it('logs prints a readable timeline', async () => {
    const result = await runCli(['logs', completedRun], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`run ${completedRun}`);
    expect(result.stdout).toMatch(/phases\n {2}submitted .*\n {2}preparing .*\n {2}running .*\n {2}completing .*\n {2}completed /);
    expect(result.stdout).toMatch(/chunk 0 .* completed .*attempt 2 after 1 retry {2}on \S+@\S+/);
    expect(result.stdout).toContain('retried after: model server hiccup (flaky fixture)');
    expect(result.stdout).toContain('retries 1');
  });

  it('logs of a cancelled run shows the cancellation and the chunks it stopped', async () => {
    const { runId } = await h.client.startBatchInference(
      seedSpec({ predictor: 'gated', outputTableName: 'LOGS_CANCELLED', parallelWorkers: 1, heartbeatTimeout: 2 }),
    );
    // A chunk waits at the gate, so the run is surely scoring when the cancel arrives.
    await until(async () => ((await h.client.getProgress(runId)).state === 'running' ? true : undefined));
    await h.client.cancelRun(runId);
    await h.client.waitForResult(runId).catch(() => {});
    const t = await h.client.runTimeline(runId);
    expect(t.outcome).toBe('cancelled');
    expect(t.cancellation?.requestedAt).toBeTruthy();
    expect(t.phases.map((p) => p.state)).toEqual(['submitted', 'preparing', 'running', 'cancelled']);
    expect(t.slices[0]!.outcome).toBe('cancelled');
    expect(t.slices[0]!.chunks.at(-1)!.outcome).toBe('cancelled');
    expect(t.steps.map((s) => s.name)).toContain('deleteRunFiles');

    const text = await runCli(['logs', runId], env);
    expect(text.stdout).toMatch(/cancellation requested \+\d+\.\d{3}s/);
  });

  it('logs follows a slice through its continue-as-new executions', async () => {
    // One worker, two chunks, one chunk per execution: the slice continues as new between them.
    const { runId } = await h.client.startBatchInference(
      seedSpec({ outputTableName: 'LOGS_CAN', parallelWorkers: 1, batchSizeInMb: 0.1 }),
      {
        runOptions: { chunksPerRun: 1 },
      },
    );
    const summary = await h.client.waitForResult(runId);
    expect(summary.chunks).toBeGreaterThanOrEqual(2);
    const t = await h.client.runTimeline(runId);
    expect(t.slices).toHaveLength(1);
    expect(t.slices[0]!.executions).toBe(summary.chunks);
    expect(t.slices[0]!.chunks.map((c) => c.chunk)).toEqual(Array.from({ length: summary.chunks }, (_, i) => i));
    expect(t.slices[0]!.outcome).toBe('completed');
  });

  it('logs of an unknown run exits 2', async () => {
    const result = await runCli(['logs', 'no-such-run-xyz'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No run no-such-run-xyz');
  });

  it('runs lists the tenant’s runs by status, newest first; another tenant sees none of them', async () => {
    // Visibility lags a little behind the run's close.
    const listed = await until(async () => {
      const r = await runCli(['runs', '--status', 'completed', '--json'], env);
      const runs = JSON.parse(r.stdout) as { runId: string }[];
      return runs.some((x) => x.runId === completedRun) ? runs : undefined;
    });
    expect(listed.find((r) => r.runId === completedRun)).toMatchObject({
      state: 'completed',
      predictor: 'flaky',
      output: 'LOGS_OK',
      closedAt: expect.any(String),
    });
    const text = await runCli(['runs'], env);
    expect(text.stdout).toMatch(new RegExp(`${completedRun} +completed .* flaky → LOGS_OK`));

    const other = await runCli(['runs', '--tenant', 'someone-else', '--json'], env);
    expect(other.code, other.stderr).toBe(0);
    expect(JSON.parse(other.stdout)).toEqual([]);
  });

  it('runs refuses a bad --status, --tenant or --limit, naming the flag and the fix', async () => {
    const status = await runCli(['runs', '--status', 'done'], env);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('--status: got "done"; use one of submitted, preparing');
    const tenant = await runCli(['runs', '--tenant', "x' OR '1'='1"], env);
    expect(tenant.code).toBe(2);
    expect(tenant.stderr).toContain('--tenant: got');
    const limit = await runCli(['runs', '--limit', '0'], env);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--limit: got "0"');
  });
});
