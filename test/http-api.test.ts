// The HTTP API over real HTTP on loopback, on a real worker and dev server: submit, poll to completion,
// cancel, tenant isolation, listing, the OpenAPI document, and a table of malformed requests.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cancelResponseSchema,
  jobListSchema,
  jobStatusSchema,
  scheduleResponseSchema,
  submitResponseSchema,
} from '../src/doors/http/schemas.js';
import { gatedPredictor } from './fixtures/gatedPredictor.js';
import { startApi, TOKEN_A, TOKEN_B, type TestApi } from './support/api.js';
import { cliEnv, runCli } from './support/cli.js';
import { compareWithExpected, createFeatures } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { until } from './support/wait.js';

const QUERY = "SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE ds = '2026-02-26'";
const BASE = '/api/v1/inference/batch';
const FINAL = ['completed', 'failed', 'cancelled'];

const seedBody = (overrides: Record<string, unknown> = {}) => ({
  model_id: 'linear-demo',
  input: { source: 'sql', query: QUERY },
  output: { destination: 'table', table_name: 'dev.churn_scores', mode: 'overwrite' },
  config: { batch_size: 1000, parallelism: 2, timeout_minutes: 60 },
  ...overrides,
});

describe('HTTP API', () => {
  let h: Harness;
  const gate = gatedPredictor();
  let api: TestApi;
  const finished = (jobId: string, token = TOKEN_A) =>
    until(
      async () => {
        const { status, body } = await api.call('GET', `${BASE}/${jobId}`, { token });
        return status === 200 && FINAL.includes(body.status) ? body : undefined;
      },
      90_000,
      `job ${jobId} to finish`,
    );
  const submit = async (body: unknown, token = TOKEN_A) => {
    const response = await api.call('POST', BASE, { body, token });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    return submitResponseSchema.parse(response.body);
  };

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 20_000);
    await h.startWorker({
      batchRows: 2048,
      predictors: { gated: gate.gated },
    });
    api = await startApi(h, ['linear-demo', 'gated']);
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  it('submits a seed-001 body, reports progress to completion, and the table holds the right values', async () => {
    const submitted = await submit(seedBody());
    expect(submitted).toMatchObject({ status: 'submitted', input_row_count: 10_000, estimated_duration_minutes: 1 });

    const done = jobStatusSchema.parse(await finished(submitted.job_id));
    expect(done).toMatchObject({
      job_id: submitted.job_id,
      status: 'completed',
      model_id: 'linear-demo',
      output: { destination: 'table', table_name: 'dev.churn_scores' },
      progress: { total_rows: 10_000, processed_rows: 10_000, percentage: 100 },
    });
    expect(Date.parse(done.started_at)).toBeLessThanOrEqual(Date.parse(done.estimated_completion!));
    expect(await compareWithExpected(h, 'dev.churn_scores')).toEqual({
      missing: 0,
      extra: 0,
      wrong: 0,
      published: 10_000,
      expected: 10_000,
    });

    // The CLI's status shows the same state and figures.
    const cli = await runCli(['status', submitted.job_id, '--json'], cliEnv(h));
    expect(cli.code, cli.stderr).toBe(0);
    const status = JSON.parse(cli.stdout);
    expect({
      state: status.state,
      total: status.totalRows,
      processed: status.processedRows,
      percentage: status.percentage,
      startedAt: status.startedAt,
      eta: status.estimatedCompletion,
      chunks: [status.chunksDone, status.chunksTotal],
    }).toEqual({
      state: done.status,
      total: done.progress.total_rows,
      processed: done.progress.processed_rows,
      percentage: done.progress.percentage,
      startedAt: done.started_at,
      eta: done.estimated_completion,
      chunks: [done.chunks.done, done.chunks.total],
    });
  });

  it('writes parquet (seed body) and CSV with input columns (job spec body) under stage paths', async () => {
    const parquet = await submit(seedBody({ output: { destination: 'parquet', path: 'results/api', mode: 'error' } }));
    const csv = await submit({
      inputQuery: QUERY,
      predictor: 'linear-demo',
      outputDestination: 'csv',
      outputPath: 'results/api-csv',
      includeInputColumns: true,
    });
    expect(await finished(parquet.job_id)).toMatchObject({ status: 'completed', output: { destination: 'parquet', path: 'results/api' } });
    expect(await finished(csv.job_id)).toMatchObject({ status: 'completed', output: { destination: 'csv', path: 'results/api-csv' } });
    const [p] = await h.sql<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('${path.join(h.stage.root, 'results/api/*.parquet')}')`,
    );
    expect(p.n).toBe(10_000);
    const columns = await h.sql<{ column_name: string }>(
      `DESCRIBE SELECT * FROM read_csv('${path.join(h.stage.root, 'results/api-csv/*.csv')}')`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(['feature_1', 'feature_2', 'id', 'score', 'label']);
    expect(fs.existsSync(path.join(h.stage.root, 'results/api-csv/_SUCCESS'))).toBe(true);
  });

  it('cancels a job mid-run: it ends cancelled, publishes nothing and its staged files go', async () => {
    // The gate stays shut: the job is still running whenever the DELETE arrives.
    const { job_id } = await submit(seedBody({ model_id: 'gated', output: { destination: 'table', table_name: 'API_CANCELLED' } }));
    await until(
      async () => {
        const { body } = await api.call('GET', `${BASE}/${job_id}`);
        return body.status === 'running' ? body : undefined;
      },
      60_000,
      'running',
    );
    const cancel = await api.call('DELETE', `${BASE}/${job_id}`);
    expect(cancel.status).toBe(202);
    expect(cancelResponseSchema.parse(cancel.body)).toEqual({ job_id, status: 'running', cancel_requested: true });
    expect(await finished(job_id)).toMatchObject({ status: 'cancelled' });
    expect(fs.existsSync(path.join(h.stage.root, 'runs', job_id))).toBe(false);
    await expect(h.sql('SELECT * FROM API_CANCELLED')).rejects.toThrow(/does not exist/);
    expect(await api.call('DELETE', `${BASE}/${job_id}`)).toMatchObject({ status: 409, body: { error: 'conflict' } });
  });

  it('a tenant sees, lists and cancels only its own jobs: another tenant gets 404', async () => {
    const mine = await submit(seedBody({ output: { destination: 'table', table_name: 'TENANT_A_OUT' } }));
    await finished(mine.job_id);
    const unknown = await api.call('GET', `${BASE}/bi-no-such-job`, { token: TOKEN_B });
    expect(unknown).toMatchObject({ status: 404, body: { error: 'not_found' } });
    const theirs = await api.call('GET', `${BASE}/${mine.job_id}`, { token: TOKEN_B });
    expect(theirs).toEqual({ status: 404, body: { error: 'not_found', message: `No job ${mine.job_id}` } });
    expect(await api.call('DELETE', `${BASE}/${mine.job_id}`, { token: TOKEN_B })).toMatchObject({ status: 404 });
    // Child workflows and other workflow types are not jobs either.
    expect(await api.call('GET', `${BASE}/${mine.job_id}-worker-0`)).toMatchObject({ status: 404 });

    const b = await submit(seedBody({ output: { destination: 'table', table_name: 'TENANT_B_OUT' } }), TOKEN_B);
    await finished(b.job_id, TOKEN_B);
    const listB = await until(
      async () => {
        const { body } = await api.call('GET', `${BASE}?status=completed`, { token: TOKEN_B });
        return body.jobs.length >= 1 ? jobListSchema.parse(body) : undefined;
      },
      30_000,
      'B listed',
    );
    expect(listB.jobs.map((j) => j.job_id)).toEqual([b.job_id]);
    expect(listB.jobs[0]).toMatchObject({
      status: 'completed',
      model_id: 'linear-demo',
      output: { destination: 'table', table_name: 'TENANT_B_OUT' },
    });
    expect(listB.next_page_token).toBeNull();
  });

  it("lists the caller's jobs by state, a page at a time", async () => {
    const completed = await until(
      async () => {
        const { body } = await api.call('GET', `${BASE}?status=completed&limit=100`);
        return body.jobs.length >= 4 ? jobListSchema.parse(body) : undefined;
      },
      30_000,
      'four completed jobs listed',
    );
    expect(completed.jobs.every((j) => j.status === 'completed' && j.closed_at)).toBe(true);
    const cancelled = jobListSchema.parse((await api.call('GET', `${BASE}?status=cancelled`)).body);
    expect(cancelled.jobs.map((j) => j.status)).toEqual(['cancelled']);
    expect((await api.call('GET', `${BASE}?status=running`)).body.jobs).toEqual([]);

    const seen: string[] = [];
    let token: string | null = null;
    do {
      const page = jobListSchema.parse((await api.call('GET', `${BASE}?limit=2${token ? `&page_token=${token}` : ''}`)).body);
      expect(page.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.jobs.map((j) => j.job_id));
      token = page.next_page_token;
    } while (token);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([...completed.jobs.map((j) => j.job_id), ...cancelled.jobs.map((j) => j.job_id)]));
  });

  it('needs a bearer token; the OpenAPI document is public and generated from the schemas', async () => {
    expect(await api.call('GET', BASE, { token: null })).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(await api.call('POST', BASE, { token: 'not-a-known-token', body: seedBody() })).toMatchObject({ status: 401 });
    const doc = await api.call('GET', '/api/v1/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual([
      BASE,
      `${BASE}/{job_id}`,
      `${BASE}/{job_id}/resume`,
      '/api/v1/models',
      '/api/v1/models/{name}',
      `${BASE}/{job_id}/logs`,
      '/api/v1/inference/schedules/{schedule_id}',
    ]);
    const request = doc.body.components.schemas.BatchRequest;
    expect(request.required).toEqual(['model_id', 'input', 'output']);
    expect(request.properties.output.properties.destination.enum).toEqual(['table', 'parquet', 'csv', 'kafka']);
    expect(doc.body.components.schemas.JobSpec.properties.saveMode.enum).toEqual(['overwrite', 'append', 'error']);
    expect(doc.body.components.schemas.JobStatus.properties.status.enum).toContain('submitted');
    expect(doc.body.paths[BASE].get.parameters.map((p: { name: string }) => p.name)).toEqual(['status', 'limit', 'page_token']);
  });

  it('a schedule block creates a Schedule whose runs belong to the tenant; a bad cron starts nothing', async () => {
    const before = api.client.starts;
    const response = await api.call('POST', BASE, {
      body: seedBody({
        output: { destination: 'table', table_name: 'dev.nightly_scores' },
        schedule: { cron: '0 2 * * *', timezone: 'Europe/Paris' },
      }),
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const created = scheduleResponseSchema.parse(response.body);
    expect(created).toMatchObject({
      status: 'scheduled',
      cron: '0 2 * * *',
      timezone: 'Europe/Paris',
      enabled: true,
      input_row_count: 10_000,
    });
    expect(created.schedule_id).toMatch(/^bi-cron-api-tenantA-/);
    expect(api.client.starts).toBe(before);

    const schedule = h.temporal.schedule.getHandle(created.schedule_id);
    try {
      const described = await schedule.describe();
      expect(described.spec).toMatchObject({ timezone: 'Europe/Paris' });
      expect(described.memo).toMatchObject({ managedBy: 'batch-inference', kind: 'cron', origin: 'api', tenant: 'tenantA' });
      // A tick now: the run it starts is tenantA's job, seen by tenantA only.
      await schedule.trigger();
      const runId = await until(
        async () => (await schedule.describe()).info.recentActions.at(-1)?.action.workflow.workflowId,
        30_000,
        'the triggered run',
      );
      const done = await finished(runId);
      expect(done).toMatchObject({ job_id: runId, status: 'completed', progress: { total_rows: 10_000, processed_rows: 10_000 } });
      expect((await api.call('GET', `${BASE}/${runId}`, { token: TOKEN_B })).status).toBe(404);
      const listed = await until(
        async () => {
          const { body } = await api.call('GET', `${BASE}?status=completed&limit=100`);
          return body.jobs.some((j: { job_id: string }) => j.job_id === runId) ? body : undefined;
        },
        30_000,
        'the scheduled run in the tenant listing',
      );
      expect(listed.jobs.find((j: { job_id: string }) => j.job_id === runId)).toMatchObject({ status: 'completed' });
      expect(await compareWithExpected(h, 'dev.nightly_scores')).toMatchObject({ missing: 0, extra: 0, wrong: 0 });
      // The tenant reads and deletes its recurring job through the API; another tenant cannot see it.
      const read = await api.call('GET', `/api/v1/inference/schedules/${created.schedule_id}`);
      expect(read).toMatchObject({
        status: 200,
        body: { schedule_id: created.schedule_id, cron: '0 2 * * *', timezone: 'Europe/Paris', paused: false },
      });
      expect(read.body.recent_job_ids).toContain(runId);
      expect((await api.call('GET', `/api/v1/inference/schedules/${created.schedule_id}`, { token: TOKEN_B })).status).toBe(404);
      expect((await api.call('DELETE', `/api/v1/inference/schedules/${created.schedule_id}`, { token: TOKEN_B })).status).toBe(404);
      expect(await api.call('DELETE', `/api/v1/inference/schedules/${created.schedule_id}`)).toMatchObject({
        status: 200,
        body: { deleted: true },
      });
      await expect(schedule.describe()).rejects.toThrow();
      expect((await api.call('GET', `/api/v1/inference/schedules/${created.schedule_id}`)).status).toBe(404);
    } finally {
      await schedule.delete().catch(() => {});
    }

    const bad = await api.call('POST', BASE, { body: seedBody({ schedule: { cron: '0 25 * * *', timezone: 'Mars/Olympus' } }) });
    expect(bad.status).toBe(400);
    expect(bad.body.problems.map((p: { field: string }) => p.field).sort()).toEqual(['schedule.cron', 'schedule.timezone']);
  });

  describe('malformed requests: a 4xx naming each bad field, and nothing starts', () => {
    const b = seedBody;
    const out = (o: Record<string, unknown>) => b({ output: o });
    const cfg = (c: Record<string, unknown>) => b({ config: c });
    const spec = (s: Record<string, unknown>) => ({ inputQuery: QUERY, predictor: 'linear-demo', outputTableName: 'T', ...s });
    type Case = [
      name: string,
      method: string,
      path: string,
      request: { body?: unknown; raw?: string; contentType?: string },
      status: number,
      fields: string[],
    ];
    const cases: Case[] = [
      ['body is not JSON', 'POST', BASE, { raw: '{ nope' }, 400, ['(body)']],
      ['body is an array', 'POST', BASE, { body: [] }, 400, ['(body)']],
      ['body is plain text', 'POST', BASE, { raw: 'score it', contentType: 'text/plain' }, 415, ['(body)']],
      ['empty object', 'POST', BASE, { body: {} }, 400, ['model_id', 'input', 'output']],
      ['model_id missing', 'POST', BASE, { body: b({ model_id: undefined }) }, 400, ['model_id']],
      ['model_id not a string', 'POST', BASE, { body: b({ model_id: 42 }) }, 400, ['model_id']],
      ['model_id unknown', 'POST', BASE, { body: b({ model_id: 'no-such-model' }) }, 400, ['model_id']],
      ['input missing', 'POST', BASE, { body: b({ input: undefined }) }, 400, ['input']],
      ['input.source not sql', 'POST', BASE, { body: b({ input: { source: 'csv', query: QUERY } }) }, 400, ['input.source']],
      ['input.query empty', 'POST', BASE, { body: b({ input: { source: 'sql', query: '  ' } }) }, 400, ['input.query']],
      [
        'input.query unknown placeholder',
        'POST',
        BASE,
        { body: b({ input: { source: 'sql', query: 'SELECT * FROM t WHERE ds = {day}' } }) },
        400,
        ['input.query'],
      ],
      ['input.query a file path', 'POST', BASE, { body: b({ input: { source: 'sql', query: 'secrets.sql' } }) }, 400, ['input.query']],
      [
        'kafka without a topic, with a table_name',
        'POST',
        BASE,
        { body: out({ destination: 'kafka', table_name: 'T' }) },
        400,
        ['output.topic', 'output.table_name'],
      ],
      ['kafka topic reserved', 'POST', BASE, { body: out({ destination: 'kafka', topic: '__transaction_state' }) }, 400, ['output.topic']],
      ['output.destination unknown', 'POST', BASE, { body: out({ destination: 'email', table_name: 'T' }) }, 400, ['output.destination']],
      ['table without table_name', 'POST', BASE, { body: out({ destination: 'table' }) }, 400, ['output.table_name']],
      ['table_name with SQL in it', 'POST', BASE, { body: out({ table_name: 'x; DROP TABLE y' }) }, 400, ['output.table_name']],
      ['table with a path', 'POST', BASE, { body: out({ table_name: 'T', path: 'results/x' }) }, 400, ['output.path']],
      ['parquet without path', 'POST', BASE, { body: out({ destination: 'parquet' }) }, 400, ['output.path']],
      ['path escaping the stage', 'POST', BASE, { body: out({ destination: 'csv', path: '../etc' }) }, 400, ['output.path']],
      ['path inside runs/', 'POST', BASE, { body: out({ destination: 'csv', path: 'runs/abc' }) }, 400, ['output.path']],
      ['output.mode unknown', 'POST', BASE, { body: out({ table_name: 'T', mode: 'upsert' }) }, 400, ['output.mode']],
      ['config.batch_size 0', 'POST', BASE, { body: cfg({ batch_size: 0 }) }, 400, ['config.batch_size']],
      ['config.parallelism above BATCH_MAX_SPLITS', 'POST', BASE, { body: cfg({ parallelism: 1000 }) }, 400, ['config.parallelism']],
      ['config.parallelism fractional', 'POST', BASE, { body: cfg({ parallelism: 2.5 }) }, 400, ['config.parallelism']],
      ['config.timeout_minutes negative', 'POST', BASE, { body: cfg({ timeout_minutes: -5 }) }, 400, ['config.timeout_minutes']],
      ['config field not supported', 'POST', BASE, { body: cfg({ max_memory_gb: 16 }) }, 400, ['config.max_memory_gb']],
      ['unknown top-level field', 'POST', BASE, { body: b({ priority: 'high' }) }, 400, ['priority']],
      [
        'several problems at once',
        'POST',
        BASE,
        { body: b({ output: { table_name: 'T', mode: 'x' }, config: { parallelism: 0 } }) },
        400,
        ['output.mode', 'config.parallelism'],
      ],
      ['job spec: parallelWorkers 0', 'POST', BASE, { body: spec({ parallelWorkers: 0 }) }, 400, ['parallelWorkers']],
      ['job spec: snake_case field', 'POST', BASE, { body: spec({ parallel_workers: 2 }) }, 400, ['parallel_workers']],
      [
        'job spec: overwrite contradicts saveMode',
        'POST',
        BASE,
        { body: spec({ overwrite: false, saveMode: 'overwrite' }) },
        400,
        ['overwrite'],
      ],
      ['job spec: unknown predictor', 'POST', BASE, { body: spec({ predictor: 'nope' }) }, 400, ['predictor']],
      ['list: unknown status', 'GET', `${BASE}?status=bogus`, {}, 400, ['status']],
      ['list: limit 0', 'GET', `${BASE}?limit=0`, {}, 400, ['limit']],
      ['list: limit not a number', 'GET', `${BASE}?limit=ten`, {}, 400, ['limit']],
      ['list: malformed page_token', 'GET', `${BASE}?page_token=${encodeURIComponent('not/a token')}`, {}, 400, ['page_token']],
      ['list: page_token not ours', 'GET', `${BASE}?page_token=AAAA`, {}, 400, ['page_token']],
      ['list: unknown parameter', 'GET', `${BASE}?colour=red`, {}, 400, ['colour']],
      ['job id with spaces', 'GET', `${BASE}/${encodeURIComponent('no such job')}`, {}, 400, ['job_id']],
    ];

    it(`has at least 20 cases (${cases.length})`, () => expect(cases.length).toBeGreaterThanOrEqual(20));

    it.each(cases)('%s', async (_name, method, url, request, status, fields) => {
      const before = api.client.starts;
      const response = await api.call(method, url, request);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(response.body.error).toBeTypeOf('string');
      const named = response.body.problems.map((p: { field: string }) => p.field);
      expect(named).toEqual(expect.arrayContaining(fields));
      for (const problem of response.body.problems) expect(problem.message).toBeTypeOf('string');
      expect(api.client.starts).toBe(before);
    });
  });
});
