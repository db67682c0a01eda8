// PATCH /api/v1/inference/schedules/:id (pause, resume, change cron and time zone) and
// GET /api/v1/inference/batch/:job_id/logs, both limited to the caller's tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunTimeline } from '../src/client/runTimeline.js';
import { scheduleResponseSchema, submitResponseSchema } from '../src/doors/http/schemas.js';
import { startApi, TOKEN_B, type TestApi } from './support/api.js';
import { createFeatures } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';

const QUERY = "SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE ds = '2026-02-26'";
const BASE = '/api/v1/inference/batch';
const SCHEDULES = '/api/v1/inference/schedules';

const seedBody = (overrides: Record<string, unknown> = {}) => ({
  model_id: 'linear-demo',
  input: { source: 'sql', query: QUERY },
  output: { destination: 'table', table_name: 'dev.patched_scores', mode: 'overwrite' },
  config: { batch_size: 1000, parallelism: 2, timeout_minutes: 60 },
  ...overrides,
});

describe('HTTP: PATCH schedules, GET logs', () => {
  let h: Harness;
  let api: TestApi;
  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 20_000);
    await h.startWorker({ batchRows: 2048 });
    api = await startApi(h, ['linear-demo']);
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  it('PATCH pauses, resumes and re-times the tenant’s Schedule; another tenant gets 404 and changes nothing', async () => {
    const created = await api.call('POST', BASE, { body: seedBody({ schedule: { cron: '0 2 * * *', timezone: 'UTC' } }) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { schedule_id: id } = scheduleResponseSchema.parse(created.body);
    const schedule = h.temporal.schedule.getHandle(id);
    try {
      // Another tenant: 404 as for an unknown id, and the Schedule stays as it was.
      const foreign = await api.call('PATCH', `${SCHEDULES}/${id}`, { token: TOKEN_B, body: { enabled: false } });
      expect(foreign).toMatchObject({ status: 404, body: { error: 'not_found' } });
      expect((await schedule.describe()).state.paused).toBe(false);

      const paused = await api.call('PATCH', `${SCHEDULES}/${id}`, { body: { enabled: false } });
      expect(paused).toMatchObject({ status: 200, body: { schedule_id: id, paused: true, cron: '0 2 * * *', timezone: 'UTC' } });
      expect((await schedule.describe()).state.paused).toBe(true);

      const retimed = await api.call('PATCH', `${SCHEDULES}/${id}`, { body: { cron: '30 6 * * MON-FRI', timezone: 'Europe/Paris' } });
      expect(retimed).toMatchObject({ status: 200, body: { paused: true, cron: '30 6 * * MON-FRI', timezone: 'Europe/Paris' } });
      const described = await schedule.describe();
      expect(described.state.paused).toBe(true);
      expect(described.spec.timezone).toBe('Europe/Paris');
      // Temporal computes the next tick from the new cron: a weekday at 06:30 Paris time.
      const next = described.info.nextActionTimes[0]!;
      const paris = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Paris',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }).format(next);
      expect(paris).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 06:30$/);
      // The run the Schedule starts keeps its spec, tenant and search attributes.
      const action = described.action as { args?: unknown[]; memo?: Record<string, unknown>; workflowType?: string };
      expect(action.workflowType).toBe('batchInference');
      expect(action.args?.[1]).toEqual({ tenant: 'tenantA' });
      expect(action.memo).toMatchObject({ tenant: 'tenantA', origin: 'api', cron: '30 6 * * MON-FRI', timezone: 'Europe/Paris' });
      expect(action.memo?.configHash).toBeUndefined();

      const resumed = await api.call('PATCH', `${SCHEDULES}/${id}`, { body: { enabled: true } });
      expect(resumed).toMatchObject({ status: 200, body: { paused: false, cron: '30 6 * * MON-FRI' } });
      expect((await schedule.describe()).state.paused).toBe(false);
    } finally {
      await schedule.delete().catch(() => {});
    }
  });

  it('PATCH refuses a bad body naming each field, and changes nothing', async () => {
    const created = await api.call('POST', BASE, { body: seedBody({ schedule: { cron: '0 3 * * *' } }) });
    const { schedule_id: id } = scheduleResponseSchema.parse(created.body);
    const schedule = h.temporal.schedule.getHandle(id);
    try {
      const bad = await api.call('PATCH', `${SCHEDULES}/${id}`, { body: { cron: '0 25 * * *', timezone: 'Mars/Olympus', enabled: 'no' } });
      expect(bad.status).toBe(400);
      expect(bad.body.problems.map((p: { field: string }) => p.field).sort()).toEqual(['cron', 'enabled', 'timezone']);
      expect(bad.body.problems.find((p: { field: string }) => p.field === 'enabled').message).toBe(
        'expected true or false, got the string "no"',
      );
      const unknown = await api.call('PATCH', `${SCHEDULES}/${id}`, { body: { paused: true } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.problems).toContainEqual({ field: 'paused', message: 'unknown field; remove it' });
      const empty = await api.call('PATCH', `${SCHEDULES}/${id}`, { body: {} });
      expect(empty.status).toBe(400);
      expect(empty.body.message).toContain('send at least one of enabled, cron, timezone');
      const described = await schedule.describe();
      expect(described.state.paused).toBe(false);
      expect((described.action as { memo?: Record<string, unknown> }).memo).toMatchObject({ cron: '0 3 * * *' });
      // Not a Schedule of the API (or no such id): 404.
      expect((await api.call('PATCH', `${SCHEDULES}/bi-cron-nightly`, { body: { enabled: false } })).status).toBe(404);
      expect((await api.call('PATCH', `${SCHEDULES}/bi-cron-api-tenantA-nope`, { body: { enabled: false } })).status).toBe(404);
    } finally {
      await schedule.delete().catch(() => {});
    }
  });

  it('GET logs answers the job’s timeline to its tenant, 404 to another', async () => {
    const response = await api.call('POST', BASE, { body: seedBody() });
    expect(response.status).toBe(202);
    const { job_id: jobId } = submitResponseSchema.parse(response.body);
    await h.client.waitForResult(jobId);
    const logs = await api.call('GET', `${BASE}/${jobId}/logs`);
    expect(logs.status).toBe(200);
    const t = logs.body as RunTimeline;
    expect(t).toMatchObject({ runId: jobId, tenant: 'tenantA', outcome: 'completed', retries: 0 });
    expect(t.phases.map((p) => p.state)).toEqual(['submitted', 'preparing', 'running', 'completing', 'completed']);
    expect(t.slices.flatMap((s) => s.chunks).every((c) => c.outcome === 'completed')).toBe(true);
    // The platform's machines are not the tenant's business: no pid@host of a worker anywhere.
    expect([...t.steps, ...t.slices.flatMap((s) => s.chunks)].map((a) => a.worker)).toEqual(
      Array(t.steps.length + t.slices.flatMap((s) => s.chunks).length).fill(null),
    );
    expect(JSON.stringify(t)).not.toMatch(/\d+@[\w.-]+/);
    expect(await api.call('GET', `${BASE}/${jobId}/logs`, { token: TOKEN_B })).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect((await api.call('GET', `${BASE}/no-such-job/logs`)).status).toBe(404);
  });
});
