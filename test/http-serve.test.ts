// `batch-inference serve` as a separate process, as an operator starts it: it refuses to start without
// tokens, serves the API on the configured port, creates the retention schedule, and stops on SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupScheduleId } from '../src/retention/schedule.js';
import { cliEnv, runCli, spawnCli } from './support/cli.js';
import { compareWithExpected, createFeatures } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { until } from './support/wait.js';

describe('batch-inference serve', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 4_000);
    await h.startWorker();
  });
  afterAll(() => h?.close());

  it('needs BATCH_API_TOKENS', async () => {
    const result = await runCli(['serve'], cliEnv(h, { BATCH_API_TOKENS: '' }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Set BATCH_API_TOKENS=token:tenant');
    const malformed = await runCli(['serve'], cliEnv(h, { BATCH_API_TOKENS: 'short:x' }));
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('BATCH_API_TOKENS: use token:tenant pairs');
    expect(malformed.stderr).not.toContain('short');
  });

  it('serves jobs over HTTP, creates the cleanup schedule, and exits 0 on SIGTERM', async () => {
    const child = spawnCli(['serve'], cliEnv(h, { BATCH_API_TOKENS: 'serve-test-token:teamX', BATCH_API_PORT: '0' }));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const base = await until(
        async () => /HTTP API on (http:\/\/\S+)\/api\/v1\/inference\/batch/.exec(stdout)?.[1],
        60_000,
        `serve to listen (${stderr})`,
      );
      expect((await fetch(`${base}/api/v1/openapi.json`)).status).toBe(200);
      const headers = { authorization: 'Bearer serve-test-token', 'content-type': 'application/json' };
      const submit = await fetch(`${base}/api/v1/inference/batch`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          model_id: 'linear-demo',
          input: { source: 'sql', query: "SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE ds = '2026-02-26'" },
          output: { destination: 'table', table_name: 'SERVED' },
        }),
      });
      const submitted = await submit.json();
      expect(submit.status, JSON.stringify(submitted)).toBe(202);
      expect(submitted.input_row_count).toBe(2_000);
      const done = await until(
        async () => {
          const job = await (await fetch(`${base}/api/v1/inference/batch/${submitted.job_id}`, { headers })).json();
          return job.status === 'completed' ? job : undefined;
        },
        60_000,
        'job completed',
      );
      expect(done.progress).toEqual({ total_rows: 2_000, processed_rows: 2_000, percentage: 100 });
      expect(await compareWithExpected(h, 'SERVED')).toMatchObject({ missing: 0, extra: 0, wrong: 0, published: 2_000 });

      const schedule = await h.temporal.schedule.getHandle(cleanupScheduleId(h.taskQueue)).describe();
      expect(schedule.action).toMatchObject({ workflowType: 'cleanupResults', args: [{ ttlHours: 168 }] });
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await h.temporal.schedule
        .getHandle(cleanupScheduleId(h.taskQueue))
        .delete()
        .catch(() => {});
    }
  });
});
