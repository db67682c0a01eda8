// Limits seen through the HTTP API (BATCH_MAX_CONCURRENT_JOBS=1, BATCH_MAX_INPUT_ROWS=12000): a second
// job of the tenant stays `submitted` (and is listed so) until the first finishes, then completes; a
// too-large input is accepted, then fails in preparing with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatedPredictor } from './fixtures/gatedPredictor.js';
import { startApi, type TestApi } from './support/api.js';
import { compareWithExpected, createFeatures } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { until } from './support/wait.js';

const BASE = '/api/v1/inference/batch';
const body = (
  model: string,
  table: string,
  query = "SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE ds = '2026-02-26'",
) => ({
  model_id: model,
  input: { source: 'sql', query },
  output: { destination: 'table', table_name: table },
  config: { parallelism: 1 },
});

describe('HTTP API limits', () => {
  let h: Harness;
  let api: TestApi;
  const gate = gatedPredictor();
  const get = async (jobId: string) => (await api.call('GET', `${BASE}/${jobId}`)).body;
  const reach = (jobId: string, status: string) =>
    until(
      async () => {
        const job = await get(jobId);
        return job.status === status ? job : undefined;
      },
      90_000,
      `${jobId} ${status}`,
    );

  beforeAll(async () => {
    h = await createHarness({ BATCH_MAX_CONCURRENT_JOBS: '1', BATCH_MAX_INPUT_ROWS: '12000' });
    await createFeatures(h, 20_000);
    await h.startWorker({ predictors: { gated: gate.gated } });
    api = await startApi(h, ['linear-demo', 'gated']);
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  it('queues a second job in submitted until the first finishes, then runs it', async () => {
    const first = (await api.call('POST', BASE, { body: body('gated', 'FIRST_JOB') })).body.job_id;
    await reach(first, 'running');
    const second = (await api.call('POST', BASE, { body: body('linear-demo', 'SECOND_JOB') })).body.job_id;
    try {
      const waiting = await until(
        async () => {
          const { body: list } = await api.call('GET', `${BASE}?status=submitted`);
          return list.jobs.some((j: { job_id: string }) => j.job_id === second) ? list : undefined;
        },
        30_000,
        'second listed as submitted',
      );
      expect(waiting.jobs.map((j: { job_id: string }) => j.job_id)).toEqual([second]);
      const running = await until(
        async () => {
          const { body: list } = await api.call('GET', `${BASE}?status=running`);
          return list.jobs.length ? list : undefined;
        },
        30_000,
        'first listed as running',
      );
      expect(running.jobs.map((j: { job_id: string }) => j.job_id)).toEqual([first]);
      expect(await get(second)).toMatchObject({ status: 'submitted', progress: { total_rows: null, processed_rows: 0, percentage: 0 } });
      expect(await get(first)).toMatchObject({ status: 'running' });
    } finally {
      gate.open(first);
    }
    await reach(first, 'completed');
    const done = await reach(second, 'completed');
    expect(done.progress).toEqual({ total_rows: 10_000, processed_rows: 10_000, percentage: 100 });
    expect(await compareWithExpected(h, 'SECOND_JOB')).toMatchObject({ missing: 0, extra: 0, wrong: 0, published: 10_000 });
  });

  it('accepts a job whose input is above BATCH_MAX_INPUT_ROWS, which then fails in preparing with the reason', async () => {
    const submitted = await api.call('POST', BASE, {
      body: body('linear-demo', 'TOO_MANY', 'SELECT id, feature_1, feature_2 FROM {schema}.model_features'),
    });
    expect(submitted).toMatchObject({ status: 202, body: { status: 'submitted', input_row_count: 20_000 } });
    const failed = await reach(submitted.body.job_id, 'failed');
    expect(failed.error).toMatch(/returns 20,000 rows \(counted before the export\), above the limit of 12,000 \(BATCH_MAX_INPUT_ROWS\)/);
    expect(failed.progress.processed_rows).toBe(0);
    await expect(h.sql('SELECT * FROM TOO_MANY')).rejects.toThrow(/does not exist/);
  });
});
