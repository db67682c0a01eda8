// Every long-running command stops on SIGINT and SIGTERM within a bound, with a run in flight:
// the worker drains and exits, a dev server it started goes with it, and the run resumes on the
// next worker. Each command is a real `node bin/batch-inference.js` in its own process group; runs
// are held mid-way by gates the test opens, never by timing.
import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BatchInferenceClient } from '../src/client.js';
import { STOP_BOUND_MS } from '../src/doors/cli/stopSignals.js';
import { gatedLinear } from './fixtures/fileGatedPredictor.js';
import { gatedPredictor } from './fixtures/gatedPredictor.js';
import { cliEnv } from './support/cli.js';
import { createFeatures, seedSpec } from './support/data.js';
import { fileGate, type FileGate } from './support/fileGate.js';
import { createHarness, type Harness } from './support/harness.js';
import { spawnCliGroup, type GroupProcess } from './support/processGroup.js';
import { until } from './support/wait.js';

/** Well under the forced exit: a command that needs the force (STOP_BOUND_MS) has not stopped cleanly. */
const CLEAN_STOP_MS = STOP_BOUND_MS - 2_000;

/** Sends the signal to the command alone (not its group) and measures how long it takes to exit. */
async function stopWith(p: GroupProcess, signal: NodeJS.Signals): Promise<{ code: number | string; ms: number }> {
  const t0 = Date.now();
  process.kill(p.pid, signal);
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still running'), STOP_BOUND_MS + 5_000));
  const code = await Promise.race([p.exited, timeout]);
  const ms = Date.now() - t0;
  console.info(`${signal}: exit ${code} after ${ms} ms`);
  return { code, ms };
}

/** Nothing of the command's process group is left a moment after it exited (its dev server included). */
async function expectGroupGone(p: GroupProcess): Promise<void> {
  await until(async () => (p.groupMembers().length === 0 ? true : undefined), 5_000, `process group ${p.pid} to be empty`).catch(() => {});
  expect(p.groupMembers(), p.output()).toEqual([]);
}

const outputMatching = (p: GroupProcess, pattern: RegExp, what: string) =>
  until(async () => p.output().match(pattern) ?? undefined, 120_000, what);

describe('stopping on SIGINT / SIGTERM', () => {
  let h: Harness;
  let gate: FileGate;
  const procs: GroupProcess[] = [];
  const held = gatedPredictor();
  // One in-process worker per task queue (the SDK allows no second), started only once a test has
  // stopped the CLI worker it watches: it must not take that worker's chunks.
  let inProcess: Promise<unknown> | undefined;
  const startInProcessWorker = () => (inProcess ??= h.startWorker({ predictors: { gatedLinear, held: held.gated } }));
  const spawn = (args: string[], env: NodeJS.ProcessEnv) => {
    const p = spawnCliGroup(args, env, h.dir);
    procs.push(p);
    return p;
  };
  /** The CLI's environment with no Temporal configured: commands start their own dev server. */
  const embeddedEnv = (name: string, extra: Record<string, string> = {}) => {
    const env = cliEnv(h, { ...gate.env, BATCH_DATA_DIR: path.join(h.dir, `data-${name}`), ...extra });
    delete env.TEMPORAL_ADDRESS;
    return env;
  };
  const specFile = (name: string, overrides: Record<string, unknown> = {}) => {
    const file = path.join(h.dir, `${name}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify(
        seedSpec({ predictor: 'gatedLinear', outputTableName: name.toUpperCase(), parallelWorkers: 1, heartbeatTimeout: 2, ...overrides }),
      ),
    );
    return file;
  };

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 2_000);
    gate = fileGate(path.join(h.dir, 'gates'));
    // The in-process worker that takes over runs a stopped process left: same predictor, same gates.
    process.env.BATCH_TEST_GATE_DIR = gate.env.BATCH_TEST_GATE_DIR;
  });
  afterEach(() => {
    for (const p of procs.splice(0)) p.killGroup();
  });
  afterAll(async () => {
    for (const p of procs) p.killGroup();
    await h?.close();
  });

  it('worker: SIGTERM mid-chunk drains and exits 0 within seconds; the run resumes on the next worker', async () => {
    const worker = spawn(['worker'], cliEnv(h, gate.env));
    const { runId } = await h.client.startBatchInference(
      seedSpec({ predictor: 'gatedLinear', outputTableName: 'AFTER_WORKER_STOP', parallelWorkers: 1, heartbeatTimeout: 2 }),
    );
    await until(async () => (gate.waiting(runId) ? true : undefined), 120_000, 'a chunk to wait at its gate');

    const stopped = await stopWith(worker, 'SIGTERM');
    expect(stopped.code, worker.output()).toBe(0);
    expect(stopped.ms, worker.output()).toBeLessThan(CLEAN_STOP_MS);
    await expectGroupGone(worker);

    await startInProcessWorker();
    gate.open(runId);
    expect(await h.client.waitForResult(runId)).toMatchObject({ state: 'completed', rowsOut: 1_000 });
  });

  it('run --wait against a server: SIGTERM stops the waiting within seconds (exit 143), the run goes on', async () => {
    await startInProcessWorker();
    const waiting = spawn(['run', specFile('wait', { predictor: 'held' }), '--wait'], cliEnv(h));
    const [, printed] = await outputMatching(waiting, /^(bi-\S+)$/m, 'the run id');
    await until(
      async () => ((await h.client.getProgress(printed)).state === 'running' ? true : undefined),
      120_000,
      'the run to be running',
    );

    const stopped = await stopWith(waiting, 'SIGTERM');
    expect(stopped.code, waiting.output()).toBe(143);
    expect(stopped.ms, waiting.output()).toBeLessThan(CLEAN_STOP_MS);
    expect(waiting.output()).toContain(`Stopped waiting for run ${printed} on SIGTERM`);
    await expectGroupGone(waiting);
    expect((await h.client.getProgress(printed)).state).toBe('running');
    held.open(printed);
    expect(await h.client.waitForResult(printed)).toMatchObject({ state: 'completed' });
  });

  it('run on embedded defaults: SIGINT stops its worker and its dev server within seconds (exit 130)', async () => {
    const run = spawn(['run', specFile('embedded')], embeddedEnv('run'));
    const [, runId] = await outputMatching(run, /^(bi-\S+)$/m, 'the run id');
    await until(async () => (gate.waiting(runId) ? true : undefined), 120_000, 'a chunk to wait at its gate');

    const stopped = await stopWith(run, 'SIGINT');
    expect(stopped.code, run.output()).toBe(130);
    expect(stopped.ms, run.output()).toBeLessThan(CLEAN_STOP_MS);
    expect(run.output()).toContain('resumes when a worker next runs');
    await expectGroupGone(run);
  });

  it('dev: SIGINT and SIGTERM stop the worker and the dev server within seconds, exit 0', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const env = embeddedEnv(`dev-${signal}`);
      const dev = spawn(['dev'], env);
      const [, address] = await outputMatching(dev, /Temporal dev server: (\S+)/, 'the dev server address');
      await outputMatching(dev, /Worker on task queue/, 'the worker');
      const connection = await Connection.connect({ address });
      try {
        const client = new BatchInferenceClient(new Client({ connection }), h.config);
        const { runId } = await client.startBatchInference(
          seedSpec({ predictor: 'gatedLinear', outputTableName: `DEV_${signal}`, parallelWorkers: 1, heartbeatTimeout: 2 }),
        );
        await until(async () => (gate.waiting(runId) ? true : undefined), 120_000, 'a chunk to wait at its gate');
      } finally {
        await connection.close();
      }
      const stopped = await stopWith(dev, signal);
      expect(stopped.code, dev.output()).toBe(0);
      expect(stopped.ms, dev.output()).toBeLessThan(CLEAN_STOP_MS);
      await expectGroupGone(dev);
      expect(fs.existsSync(path.join(env.BATCH_DATA_DIR!, 'dev-server.json'))).toBe(false);
    }
  });

  it('serve on embedded defaults: SIGTERM with a job in flight stops the API, worker and dev server, exit 0', async () => {
    const token = 'token-signals-1234';
    const serve = spawn(['serve'], embeddedEnv('serve', { BATCH_API_TOKENS: `${token}:default`, BATCH_API_PORT: '0' }));
    const [, url] = await outputMatching(serve, /HTTP API on (http:\/\/\S+?)\/api/, 'the API address');
    const response = await fetch(`${url}/api/v1/inference/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model_id: 'gatedLinear',
        input: { source: 'sql', query: `SELECT id, feature_1, feature_2 FROM dev.model_features WHERE ds = '2026-02-26'` },
        output: { destination: 'table', table_name: 'SERVE_STOPPED' },
        config: { parallelism: 1 },
      }),
    });
    const body = (await response.json()) as { job_id: string };
    expect(response.status, JSON.stringify(body)).toBe(202);
    await until(async () => (gate.waiting(body.job_id) ? true : undefined), 120_000, 'a chunk to wait at its gate');

    const stopped = await stopWith(serve, 'SIGTERM');
    expect(stopped.code, serve.output()).toBe(0);
    expect(stopped.ms, serve.output()).toBeLessThan(CLEAN_STOP_MS);
    await expectGroupGone(serve);
  });

  it('run on embedded defaults: SIGTERM while its dev server starts exits within the bound, leaving nothing', async () => {
    const run = spawn(['run', specFile('startup')], embeddedEnv('startup'));
    // The dev server process exists (a second member of the group): the command is mid-start-up.
    await until(async () => (run.groupMembers().length >= 2 ? true : undefined), 60_000, 'the dev server to be spawned');
    const stopped = await stopWith(run, 'SIGTERM');
    expect(stopped.code, run.output()).toBe(143);
    expect(stopped.ms, run.output()).toBeLessThan(CLEAN_STOP_MS);
    await expectGroupGone(run);
  });

  it('a second signal exits at once, and the dev server the command started still goes with it', async () => {
    const run = spawn(['run', specFile('twice')], embeddedEnv('twice'));
    const [, runId] = await outputMatching(run, /^(bi-\S+)$/m, 'the run id');
    await until(async () => (gate.waiting(runId) ? true : undefined), 120_000, 'a chunk to wait at its gate');
    process.kill(run.pid, 'SIGINT');
    const stopped = await stopWith(run, 'SIGINT');
    expect(stopped.code, run.output()).toBe(130);
    await expectGroupGone(run);
    expect(stopped.ms, run.output()).toBeLessThan(2_000);
  });
});
