// The `batch-inference` command line, run as a separate process the way a person runs it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from './support/cli.js';
import { compareWithExpected, createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { until } from './support/wait.js';
import { gatedPredictor } from './fixtures/gatedPredictor.js';

describe('CLI against a Temporal server (TEMPORAL_ADDRESS set)', () => {
  let h: Harness;
  let env: NodeJS.ProcessEnv;
  const gate = gatedPredictor();
  const write = (name: string, value: unknown) => {
    const file = path.join(h.dir, name);
    fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };
  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 20_000);
    await h.startWorker({ batchRows: 2048, predictors: { gated: gate.gated } });
    env = cliEnv(h);
  });
  afterAll(() => h?.close());

  it('run --wait --json prints the summary as JSON and exits 0; status --json agrees', async () => {
    const result = await runCli(['run', write('ok.json', seedSpec()), '--wait', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ state: 'completed', rowsIn: 10_000, rowsOut: 10_000, table: 'MODEL_PREDICTIONS_DAILY' });
    expect(await compareWithExpected(h, 'MODEL_PREDICTIONS_DAILY')).toMatchObject({ missing: 0, extra: 0, wrong: 0 });

    const status = await runCli(['status', summary.runId, '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ runId: summary.runId, state: 'completed', processedRows: 10_000, percentage: 100 });
  });

  it('run without --wait prints only the run id', async () => {
    const result = await runCli(['run', write('nowait.json', seedSpec({ outputTableName: 'NOWAIT' }))], env);
    expect(result.code, result.stderr).toBe(0);
    const runId = result.stdout.trim();
    expect(runId).toMatch(/^bi-\d{8}-\d{6}-[a-z0-9]+$/);
    expect((await h.client.waitForResult(runId)).rowsOut).toBe(10_000);
  });

  it('a YAML spec with a .sql file path relative to the spec works', async () => {
    fs.writeFileSync(path.join(h.dir, 'q.sql'), "SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE ds = '{ds}'");
    const yaml = `inputQuery: q.sql\nctx: { ds: '2026-02-25' }\noutputTableName: FROM_YAML\npredictor: linear-demo\nbatchSizeInMb: 1\n`;
    const result = await runCli(['run', write('spec.yaml', yaml), '--wait', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).rowsOut).toBe(10_000);
  });

  it('a bad spec exits 2 naming every bad field, and starts nothing', async () => {
    const bad = { ...seedSpec(), parallelWorkers: 0, batch_size_in_mb: 5, outputTableName: 'x; DROP TABLE y' };
    const result = await runCli(['run', write('bad.json', bad), '--wait'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('parallelWorkers');
    expect(result.stderr).toContain('did you mean "batchSizeInMb"');
    expect(result.stderr).toContain('outputTableName');
  });

  it('unreadable or malformed spec files exit 2', async () => {
    expect((await runCli(['run', path.join(h.dir, 'missing.json')], env)).code).toBe(2);
    const broken = await runCli(['run', write('broken.json', '{ not json')], env);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('not valid JSON');
    expect((await runCli(['frobnicate'], env)).code).toBe(2);
  });

  it('cancel stops a running run; an unknown run id exits 2', async () => {
    // The gate stays shut: the run cannot end before the cancel process has started, however slow that is.
    const { runId } = await h.client.startBatchInference(
      seedSpec({ predictor: 'gated', outputTableName: 'CLI_CANCELLED', heartbeatTimeout: 1, parallelWorkers: 1 }),
    );
    await until(async () => ((await h.client.getProgress(runId)).state === 'running' ? true : undefined));
    const result = await runCli(['cancel', runId], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Cancellation requested for ${runId}`);
    await until(async () => ((await h.client.getProgress(runId)).state === 'cancelled' ? true : undefined));
    const unknown = await runCli(['cancel', 'no-such-run'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No open run no-such-run');
  });

  it('run --run-id twice runs once (the repeat follows the first run); a bad --run-id exits 2', async () => {
    const runId = `bi-cli-once-${Date.now()}`;
    const spec = write('once.json', seedSpec({ outputTableName: 'RUN_ONCE' }));
    const first = await runCli(['run', spec, '--run-id', runId, '--wait', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const execution = (await h.temporal.workflow.getHandle(runId).describe()).runId;
    const repeat = await runCli(['run', spec, '--run-id', runId, '--wait', '--json'], env);
    expect(repeat.code, repeat.stderr).toBe(0);
    expect(JSON.parse(repeat.stdout)).toMatchObject({ runId, state: 'completed', rowsOut: 10_000 });
    expect((await h.temporal.workflow.getHandle(runId).describe()).runId).toBe(execution);
    const bad = await runCli(['run', spec, '--run-id', 'no spaces please'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--run-id: got "no spaces please"');
  });

  it('a run that fails exits 1 with the reason', async () => {
    const result = await runCli(['run', write('nopred.json', seedSpec({ predictor: 'no-such-model' })), '--wait'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown predictor "no-such-model"');
  });
});

describe('CLI on embedded defaults (no TEMPORAL_ADDRESS)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 10_000);
  });
  afterAll(() => h?.close());

  it('run starts its own server and worker, and status of that run answers from a later process', async () => {
    const env = cliEnv(h);
    delete env.TEMPORAL_ADDRESS;
    const file = path.join(h.dir, 'spec.json');
    fs.writeFileSync(file, JSON.stringify(seedSpec({ outputTableName: 'EMBEDDED' })));
    const run = await runCli(['run', file, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ state: 'completed', rowsOut: 5_000 });
    expect(fs.existsSync(path.join(h.dir, '.data', 'temporal.db'))).toBe(true);

    const status = await runCli(['status', summary.runId, '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'completed', totalRows: 5_000 });
  });
});
