// Runs started by a sensor and by a deploy-made cron job belong to the tenant of their config file:
// the tenant is in their memo (who may see them over HTTP) and in their BatchTenant search attribute
// (the tenant's GET /api/v1/inference/batch lists them), and another tenant gets 404 (issue 16 item 4).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, TOKEN_A, TOKEN_B, TOKEN_DEFAULT, type TestApi } from './support/api.js';
import { createFeatures } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { trigger } from './support/schedules.js';
import { check } from './support/sensors.js';
import { until } from './support/wait.js';

const BASE = '/api/v1/inference/batch';
const QUERY = "SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE ds = '{ds}'";

describe('runs of sensors and cron jobs carry their file’s tenant', () => {
  let h: Harness;
  let api: TestApi;
  let dir: string;
  // Schedule ids are namespace-wide, and the test server is shared by every test file.
  const suffix = randomUUID().slice(0, 8);
  const sensorName = `ops-watch-${suffix}`;
  const cronA = `ops-nightly-a-${suffix}`;
  const cronDefault = `ops-nightly-d-${suffix}`;

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 2_000);
    await h.startWorker({ batchRows: 2048 });
    api = await startApi(h, ['linear-demo']);
    dir = path.join(h.dir, 'schedules');
    fs.mkdirSync(dir);
    const run = { inputQuery: QUERY, predictor: 'linear-demo', parallelWorkers: 1 };
    fs.writeFileSync(
      path.join(dir, `${sensorName}.json`),
      JSON.stringify({
        project: 'ops',
        tenant: 'tenantA',
        sensor: { cronSchedule: '0 0 1 1 *', eventName: 'features_updated', payloadKey: 'ds' },
        data: { type: 'duckdb', query: 'SELECT MAX(ds) FROM {schema}.model_features' },
        run: { ...run, outputTableName: 'SENSOR_SCORES' },
      }),
    );
    const cron = { ...run, inputQuery: QUERY.replace("'{ds}'", "'2026-02-26'") };
    fs.writeFileSync(
      path.join(dir, `${cronA}.json`),
      JSON.stringify({ ...cron, outputTableName: 'CRON_A', schedule: { cron: '0 0 1 1 *', tenant: 'tenantA' } }),
    );
    fs.writeFileSync(
      path.join(dir, `${cronDefault}.json`),
      JSON.stringify({ ...cron, outputTableName: 'CRON_D', schedule: { cron: '0 0 1 1 *' } }),
    );
    const deployed = await h.client.deploy({ dir });
    expect(deployed.rejected, JSON.stringify(deployed.lines)).toBe(false);
  });
  afterAll(async () => {
    for (const id of [`bi-sensor-${sensorName}`, `bi-cron-${cronA}`, `bi-cron-${cronDefault}`])
      await h?.temporal.schedule
        .getHandle(id)
        .delete()
        .catch(() => {});
    await h?.temporal.workflow
      .getHandle(`bi-sensor-${sensorName}-state`)
      .terminate()
      .catch(() => {});
    await api?.close();
    await h?.close();
  });

  /** The run is listed for its tenant (visibility lags), readable by it, and a 404 for another. */
  async function expectOwnedBy(runId: string, token: string, tenant: string, other: string) {
    expect((await h.client.describeRun(runId)).tenant).toBe(tenant);
    const listed = await until(
      async () => {
        const { body } = await api.call('GET', `${BASE}?limit=100`, { token });
        return body.jobs?.some((j: { job_id: string }) => j.job_id === runId) ? body : undefined;
      },
      30_000,
      `${runId} in ${tenant}'s listing`,
    );
    expect(listed.jobs.find((j: { job_id: string }) => j.job_id === runId)).toMatchObject({ status: 'completed' });
    expect((await api.call('GET', `${BASE}/${runId}`, { token })).body).toMatchObject({ job_id: runId, status: 'completed' });
    expect((await api.call('GET', `${BASE}/${runId}`, { token: other })).status).toBe(404);
    const otherList = await api.call('GET', `${BASE}?limit=100`, { token: other });
    expect(otherList.body.jobs.map((j: { job_id: string }) => j.job_id)).not.toContain(runId);
  }

  it('a sensor’s run is its tenant’s: listed for tenantA, 404 for tenantB', async () => {
    expect((await check(h.temporal, sensorName)).baseline).toBe(true);
    await h.sql(`INSERT INTO dev.model_features SELECT id + 1000000, feature_1, feature_2, '2026-02-27' FROM dev.model_features LIMIT 10`);
    const changed = await check(h.temporal, sensorName);
    expect(changed).toMatchObject({ changed: true, value: '2026-02-27' });
    const summary = await h.client.waitForResult(changed.runId!);
    expect(summary.rowsOut).toBe(10);
    await expectOwnedBy(changed.runId!, TOKEN_A, 'tenantA', TOKEN_B);
  });

  it('a deploy-made cron job’s run is its file’s tenant’s, and "default" without one', async () => {
    const a = await trigger(h.temporal, `bi-cron-${cronA}`);
    await h.client.waitForResult(a.workflowId);
    await expectOwnedBy(a.workflowId, TOKEN_A, 'tenantA', TOKEN_B);

    const d = await trigger(h.temporal, `bi-cron-${cronDefault}`);
    await h.client.waitForResult(d.workflowId);
    await expectOwnedBy(d.workflowId, TOKEN_DEFAULT, 'default', TOKEN_A);
  });
});
