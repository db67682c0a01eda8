// Issue 16 item 1: resume a failed run without scoring again what it finished. Real Temporal dev server,
// real DuckDB, local stage; runs are held at chosen chunks by gates, never by timing. A run fails on its
// timeoutPerBatch only because its chunk is gated shut for good.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestKey, outputPrefix, chunkOutputKey } from '../src/adapters/stage/stage.js';
import { ResumeOverrideError, ResumeRefusedError } from '../src/client.js';
import type { RunManifest } from '../src/planning/manifest.js';
import type { Predictor } from '../src/predictors/types.js';
import type { CleanupResult } from '../src/retention/expiredRuns.js';
import { SpecError } from '../src/spec/errors.js';
import { CLEANUP_WORKFLOW_TYPE } from '../src/workflows/retention/contract.js';
import { gatedPredictor } from './fixtures/gatedPredictor.js';
import { startApi, TOKEN_A, TOKEN_B, type TestApi } from './support/api.js';
import { cliEnv, runCli } from './support/cli.js';
import { compareWithExpected, createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { failureOf, until } from './support/wait.js';

const BASE = '/api/v1/inference/batch';

describe('resume a failed run', () => {
  let h: Harness;
  let api: TestApi;
  const gate = gatedPredictor();
  /** Predictor calls per run and chunk: `${runId}/${chunk}` → calls (one per record batch). */
  const calls = new Map<string, number>();
  const callsOf = (runId: string, chunk: number) => calls.get(`${runId}/${chunk}`) ?? 0;
  const counted: Predictor = (input, ctx) => {
    calls.set(`${ctx.runId}/${ctx.chunk}`, callsOf(ctx.runId, ctx.chunk) + 1);
    return gate.gated(input, ctx);
  };
  const stamp = Date.now();
  const failedId = `resume-src-${stamp}`;
  const resumedId = `${failedId}-resume-1`;
  // Several chunks in one slice, scored in order: chunks 0 and 1 pass, chunk 2 waits on the gate until
  // its timeoutPerBatch fails the run.
  const spec = (overrides: Record<string, unknown> = {}) =>
    seedSpec({
      predictor: 'counted',
      outputTableName: 'RESUMED',
      batchSizeInMb: 0.01,
      parallelWorkers: 1,
      timeoutPerBatch: 5,
      retries: 0,
      ...overrides,
    });
  const exists = (key: string) => fs.existsSync(path.join(h.stage.root, key));
  const manifestOf = (runId: string) => JSON.parse(fs.readFileSync(path.join(h.stage.root, manifestKey(runId)), 'utf8')) as RunManifest;
  const cleanup = (cutoff: Date) =>
    h.temporal.workflow.execute(CLEANUP_WORKFLOW_TYPE, {
      taskQueue: h.taskQueue,
      workflowId: `resume-cleanup-${cutoff.getTime()}-${Math.random().toString(36).slice(2)}`,
      args: [{ ttlHours: 168, cutoff: cutoff.toISOString() }],
    }) as Promise<CleanupResult>;
  const inAnHour = () => new Date(Date.now() + 3_600_000);
  /** Starts a run held at `allowed` chunks, and waits until it failed on the gated chunk's timeoutPerBatch. */
  const failAt = async (runId: string, allowed: number, overrides: Record<string, unknown> = {}, tenant?: string) => {
    gate.allow(runId, allowed);
    await h.client.startBatchInference(spec(overrides), { runId, tenant });
    const failure = await failureOf(h.client.waitForResult(runId));
    // The abandoned predictor call may stop waiting now.
    gate.open(runId);
    return failure;
  };

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 40_000);
    await h.startWorker({ predictors: { counted }, batchRows: 1024 });
    api = await startApi(h, ['counted']);
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  it('a run that fails on its timeoutPerBatch keeps its staged input and the chunks it finished', async () => {
    const failure = await failAt(failedId, 2);
    expect(failure.message).toMatch(/chunk 2 of worker 0: .*did not return within timeoutPerBatch \(5 s\)/);
    const manifest = manifestOf(failedId);
    expect(manifest.chunks.length).toBeGreaterThanOrEqual(5);
    for (const file of manifest.files) expect(exists(file.key)).toBe(true);
    expect(exists(chunkOutputKey(failedId, 0, 0))).toBe(true);
    expect(exists(chunkOutputKey(failedId, 0, 1))).toBe(true);
    expect(exists(chunkOutputKey(failedId, 0, 2))).toBe(false);
    expect(callsOf(failedId, 0)).toBeGreaterThan(0);
    expect(callsOf(failedId, 2)).toBe(1);
    for (let c = 3; c < manifest.chunks.length; c++) expect(callsOf(failedId, c)).toBe(0);
  });

  it('a resume may not change the query, the model, the output or the chunk plan, and says which field', async () => {
    const refused = async (overrides: Record<string, unknown>) => {
      const err = await h.client.resumeRun(failedId, overrides).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResumeOverrideError);
      return (err as ResumeOverrideError).problems;
    };
    const query = await refused({ inputQuery: 'SELECT 1 AS id', timeoutPerBatch: 60 });
    expect(query).toEqual([
      { field: 'inputQuery', message: expect.stringMatching(/got "SELECT 1 AS id", but only timeoutPerBatch.*start a new run/) },
    ]);
    expect((await refused({ outputTableName: 'ELSEWHERE' }))[0]).toMatchObject({
      field: 'outputTableName',
      message: expect.stringContaining('"ELSEWHERE"'),
    });
    expect((await refused({ predictor: 'linear-demo' }))[0].field).toBe('predictor');
    expect((await refused({ ctx: { ds: '2026-02-25' } }))[0].field).toBe('ctx');
    expect((await refused({ batchSizeInMb: 1 }))[0]).toMatchObject({
      field: 'batchSizeInMb',
      message: expect.stringContaining('cut at 0.01 MB'),
    });
    // An allowed field with a bad value: the spec's own validation names it.
    const bad = await h.client.resumeRun(failedId, { timeoutPerBatch: -1 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(SpecError);
    expect((bad as SpecError).problems[0].field).toBe('timeoutPerBatch');
    // Nothing was started by any of these.
    await expect(h.client.describeRun(resumedId)).rejects.toThrow();
  });

  it('the resume scores only the chunks that had not finished, keeps the failed run files while it runs, and publishes exactly', async () => {
    // Chunk 1's output is damaged (as a torn copy would be): the manifest check rejects it, so it is scored again.
    fs.writeFileSync(path.join(h.stage.root, chunkOutputKey(failedId, 0, 1)), 'not parquet');
    // The resume holds at chunk 3 until the test has run retention.
    gate.allow(resumedId, 3);
    const { runId } = await h.client.resumeRun(failedId, { timeoutPerBatch: 600 });
    expect(runId).toBe(resumedId);
    await until(async () => (callsOf(resumedId, 3) > 0 ? true : undefined), 60_000, 'the resume to reach chunk 3');

    // Retention with every closed run expired: the failed run's files stay while its resume is open.
    const swept = await cleanup(inAnHour());
    expect(swept.runsDeleted).not.toContain(failedId);
    for (const file of manifestOf(failedId).files) expect(exists(file.key)).toBe(true);
    expect(manifestOf(resumedId).resumeOf?.runId).toBe(failedId);

    gate.open(resumedId);
    const summary = await h.client.waitForResult(resumedId);
    const chunks = manifestOf(failedId).chunks.length;
    expect(summary).toMatchObject({ resumeOf: failedId, chunksReused: 1, rowsOut: 20_000, chunks });
    expect(callsOf(resumedId, 0)).toBe(0); // reused
    expect(callsOf(resumedId, 1)).toBeGreaterThan(0); // damaged: scored again
    for (let c = 2; c < chunks; c++) expect(callsOf(resumedId, c), `chunk ${c}`).toBeGreaterThan(0);
    // Exact output, row by row against DuckDB's own scoring; no row twice.
    expect(await compareWithExpected(h, 'RESUMED')).toEqual({ missing: 0, extra: 0, wrong: 0, published: 20_000, expected: 20_000 });
    const [{ ids, distinctIds }] = await h.sql<{ ids: number; distinctIds: number }>(
      'SELECT count(*)::INTEGER AS ids, count(DISTINCT id)::INTEGER AS "distinctIds" FROM RESUMED',
    );
    expect(distinctIds).toBe(ids);

    // Linked both ways in status.
    expect(await h.client.getProgress(failedId)).toMatchObject({ state: 'failed', resumedBy: resumedId });
    expect(await h.client.getProgress(resumedId)).toMatchObject({ state: 'completed', resumeOf: failedId });
    expect((await h.client.describeRun(resumedId)).memo).toMatchObject({ resumeOf: failedId, tenant: 'default' });

    // Once the family has closed, retention removes both runs' files.
    const after = await cleanup(inAnHour());
    expect(after.runsDeleted).toEqual(expect.arrayContaining([failedId, resumedId]));
    expect(exists(manifestKey(failedId))).toBe(false);
    expect(exists(outputPrefix(resumedId))).toBe(false);
  });

  it('a completed, resumed, running, cancelled or unknown run is refused with the reason', async () => {
    const reasonOf = async (runId: string) => {
      const err = await h.client.resumeRun(runId).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResumeRefusedError);
      return { reason: (err as ResumeRefusedError).reason, message: (err as Error).message };
    };
    expect(await reasonOf(resumedId)).toEqual({
      reason: 'completed',
      message: `Run ${resumedId} has completed; there is nothing to resume`,
    });
    expect(await reasonOf(failedId)).toEqual({
      reason: 'resumed',
      message: `Run ${failedId} was resumed by ${resumedId}, which completed`,
    });
    expect((await reasonOf(`no-such-run-${stamp}`)).reason).toBe('unknown');

    const running = `resume-running-${stamp}`;
    gate.allow(running, 0);
    await h.client.startBatchInference(spec({ timeoutPerBatch: 600 }), { runId: running });
    await until(async () => (callsOf(running, 0) > 0 ? true : undefined), 60_000, 'the run to be scoring');
    expect(await reasonOf(running)).toMatchObject({ reason: 'running', message: expect.stringContaining('still running') });
    await h.client.cancelRun(running);
    await h.client.waitForResult(running).catch(() => {});
    expect(await reasonOf(running)).toMatchObject({ reason: 'cancelled', message: expect.stringContaining('start it anew') });
  });

  it('a run stopped by timeoutMinutes keeps its files and can be resumed with a larger one', async () => {
    const stopped = `resume-jobtimeout-${stamp}`;
    // Held at chunk 1 (timeoutPerBatch far away) until timeoutMinutes (3 s) stops the run.
    gate.allow(stopped, 1);
    await h.client.startBatchInference(spec({ outputTableName: 'RESUMED_JT', timeoutMinutes: 0.05, timeoutPerBatch: 600 }), {
      runId: stopped,
    });
    const failure = await failureOf(h.client.waitForResult(stopped));
    gate.open(stopped);
    expect(failure.type).toBe('JobTimeout');
    expect(failure.message).toContain('Resume it with a larger timeoutMinutes');
    expect(exists(manifestKey(stopped))).toBe(true);
    expect(exists(chunkOutputKey(stopped, 0, 0))).toBe(true);

    // Started past the client (e.g. with the Temporal CLI): the worker checks the resume itself.
    const { runId: executionId } = await h.temporal.workflow.getHandle(stopped).describe();
    const direct = async (workflowId: string, changed: Record<string, unknown>, from: { runId: string; executionId: string }) => {
      await h.temporal.workflow.start('batchInference', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [spec({ outputTableName: 'RESUMED_JT', ...changed }), { resumeOf: from }],
      });
      return failureOf(h.client.waitForResult(workflowId));
    };
    const otherQuery = await direct(`${stopped}-direct-1`, { ctx: { ds: '2026-02-25' } }, { runId: stopped, executionId });
    expect(otherQuery).toMatchObject({ type: 'ResumeSpecMismatchError', message: expect.stringContaining('renderedQuery would differ') });
    const climbing = await direct(`${stopped}-direct-2`, {}, { runId: '../../etc', executionId });
    expect(climbing).toMatchObject({ type: 'ResumeSourceError', message: expect.stringContaining('not a run id') });
    const otherTenant = await h.temporal.workflow.start('batchInference', {
      taskQueue: h.taskQueue,
      workflowId: `${stopped}-direct-4`,
      args: [spec({ outputTableName: 'RESUMED_JT' }), { resumeOf: { runId: stopped, executionId }, tenant: 'tenantB' }],
    });
    expect(await failureOf(otherTenant.result())).toMatchObject({
      type: 'ResumeSourceError',
      message: expect.stringContaining('belongs to another tenant than tenantB'),
    });
    const staleExecution = await direct(`${stopped}-direct-3`, {}, { runId: stopped, executionId: 'not-the-failed-one' });
    expect(staleExecution).toMatchObject({ type: 'ResumeSourceError', message: expect.stringContaining('another execution') });

    const { runId } = await h.client.resumeRun(stopped, { timeoutMinutes: 10 });
    gate.open(runId);
    expect(await h.client.waitForResult(runId)).toMatchObject({ resumeOf: stopped, chunksReused: 1 });
    expect(callsOf(runId, 0)).toBe(0);
    expect(await compareWithExpected(h, 'RESUMED_JT')).toMatchObject({ missing: 0, extra: 0, wrong: 0 });
  });

  it('POST /:job_id/resume resumes only the caller tenant job, and names a field it refuses', async () => {
    const mine = `resume-http-${stamp}`;
    await failAt(mine, 1, { outputTableName: 'RESUMED_HTTP' }, 'tenantA');

    // Another tenant: the same 404 as a job that does not exist, and nothing starts.
    const other = await api.call('POST', `${BASE}/${mine}/resume`, { token: TOKEN_B, body: { timeoutPerBatch: 600 } });
    expect(other).toEqual({ status: 404, body: { error: 'not_found', message: `No job ${mine}` } });
    await expect(h.client.describeRun(`${mine}-resume-1`)).rejects.toThrow();

    const badField = await api.call('POST', `${BASE}/${mine}/resume`, { token: TOKEN_A, body: { outputTableName: 'b.STOLEN' } });
    expect(badField.status).toBe(400);
    expect(badField.body.problems[0].field).toBe('outputTableName');

    gate.open(`${mine}-resume-1`);
    const ok = await api.call('POST', `${BASE}/${mine}/resume`, { token: TOKEN_A, body: { timeoutPerBatch: 600 } });
    expect(ok).toEqual({ status: 202, body: { job_id: `${mine}-resume-1`, status: 'submitted', resume_of: mine } });
    await h.client.waitForResult(`${mine}-resume-1`);
    // The resume is tenantA's too: B cannot see it, A sees both links.
    expect((await api.call('GET', `${BASE}/${mine}-resume-1`, { token: TOKEN_B })).status).toBe(404);
    expect((await api.call('GET', `${BASE}/${mine}-resume-1`, { token: TOKEN_A })).body).toMatchObject({
      status: 'completed',
      resume_of: mine,
    });
    expect((await api.call('GET', `${BASE}/${mine}`, { token: TOKEN_A })).body).toMatchObject({
      status: 'failed',
      resumed_by: `${mine}-resume-1`,
    });
    // A completed job is a conflict.
    const again = await api.call('POST', `${BASE}/${mine}-resume-1/resume`, { token: TOKEN_A });
    expect(again.status).toBe(409);
    expect(await compareWithExpected(h, 'RESUMED_HTTP')).toMatchObject({ missing: 0, extra: 0, wrong: 0 });
  });

  it('batch-inference resume --set continues a failed run; a refused field or an unknown run is exit 2', async () => {
    const failed = `resume-cli-${stamp}`;
    await failAt(failed, 1, { outputTableName: 'RESUMED_CLI' });
    const env = cliEnv(h);

    const refused = await runCli(['resume', failed, '--set', 'outputTableName=ELSEWHERE'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`Cannot resume ${failed} with these changes:\n  - outputTableName: got "ELSEWHERE"`);
    const unknown = await runCli(['resume', `no-such-run-${stamp}`], env);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining(`No run no-such-run-${stamp} to resume`) });
    const malformed = await runCli(['resume', failed, '--set', 'timeoutPerBatch'], env);
    expect(malformed).toMatchObject({ code: 2, stderr: expect.stringContaining('use --set field=value') });

    gate.open(`${failed}-resume-1`);
    const ok = await runCli(['resume', failed, '--set', 'timeoutPerBatch=600', '--set', 'retries=1', '--wait', '--json'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ runId: `${failed}-resume-1`, resumeOf: failed, chunksReused: 1, rowsOut: 20_000 });
    expect(callsOf(`${failed}-resume-1`, 0)).toBe(0);
    expect((await runCli(['status', failed], env)).stdout).toContain(`resumed by ${failed}-resume-1`);
    expect((await runCli(['status', `${failed}-resume-1`], env)).stdout).toContain(`resumes ${failed}`);
    expect(await compareWithExpected(h, 'RESUMED_CLI')).toMatchObject({ missing: 0, extra: 0, wrong: 0 });
  });
});
