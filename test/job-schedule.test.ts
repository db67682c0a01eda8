// Cron jobs without a sensor: upsertJobSchedule creates a Schedule that starts batchInference runs,
// changes nothing when called again with the same job, and updates it when the job changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareSpecForStart } from '../src/spec/prepareForStart.js';
import { upsertJobSchedule } from '../src/schedules/jobSchedule.js';
import { cronScheduleId } from '../src/schedules/managed.js';
import { SpecError } from '../src/spec/errors.js';
import { compareWithExpected, createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { trigger } from './support/schedules.js';

describe('cron job schedules', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 2_000);
    await h.startWorker();
  });
  afterAll(() => h?.close());

  it('creates a Schedule whose tick starts a run with the spec; the same job again is unchanged', async () => {
    const scheduleId = cronScheduleId('nightly-scores');
    const spec = prepareSpecForStart({ ...seedSpec({ outputTableName: 'CRON_PREDICTIONS' }), schedule: { cron: '0 2 * * *' } }, h.config);
    const opts = { scheduleId, spec, cron: '0 2 * * *', timezone: 'America/New_York', taskQueue: h.taskQueue, memo: { team: 'growth' } };
    expect(await upsertJobSchedule(h.temporal, opts)).toBe('created');
    expect(await upsertJobSchedule(h.temporal, opts)).toBe('unchanged');

    const schedule = await h.temporal.schedule.getHandle(scheduleId).describe();
    expect(schedule.memo).toMatchObject({
      managedBy: 'batch-inference',
      kind: 'cron',
      name: 'nightly-scores',
      origin: 'api',
      team: 'growth',
    });
    expect(schedule.spec.timezone).toBe('America/New_York');
    expect(schedule.policies.overlap).toBe('SKIP');
    expect(schedule.state.paused).toBe(false);
    expect(schedule.action).toMatchObject({ workflowType: 'batchInference', taskQueue: h.taskQueue });
    expect((schedule.action.args![0] as Record<string, unknown>).schedule).toBeUndefined();

    const { workflowId, runId } = await trigger(h.temporal, scheduleId);
    expect(workflowId).toMatch(/^bi-cron-nightly-scores-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const run = h.temporal.workflow.getHandle(workflowId, runId);
    expect((await run.describe()).memo).toMatchObject({ schedule: scheduleId, team: 'growth', outputTableName: 'CRON_PREDICTIONS' });
    await run.result();
    expect(await compareWithExpected(h, 'CRON_PREDICTIONS')).toMatchObject({ missing: 0, extra: 0, wrong: 0, published: 1_000 });
  });

  it('updates the Schedule when the job or its enabled flag changes', async () => {
    const scheduleId = cronScheduleId('hourly-scores');
    const spec = prepareSpecForStart(seedSpec({ outputTableName: 'HOURLY' }), h.config);
    const base = { scheduleId, spec, cron: '@hourly', taskQueue: h.taskQueue };
    expect(await upsertJobSchedule(h.temporal, { ...base, paused: true })).toBe('created');
    const handle = h.temporal.schedule.getHandle(scheduleId);
    expect((await handle.describe()).state.paused).toBe(true);

    expect(await upsertJobSchedule(h.temporal, { ...base, paused: false })).toBe('updated');
    expect((await handle.describe()).state.paused).toBe(false);
    expect(await upsertJobSchedule(h.temporal, { ...base, cron: '15 * * * *' })).toBe('updated');
    expect(await upsertJobSchedule(h.temporal, { ...base, cron: '15 * * * *', dryRun: true })).toBe('unchanged');
    expect(await upsertJobSchedule(h.temporal, { ...base, cron: '30 * * * *', dryRun: true })).toBe('updated');
    expect((await handle.describe()).spec.calendars?.[0]).toMatchObject({ minute: [{ start: 15, end: 15, step: 1 }] });
  });

  it('rejects a bad cron or time zone before touching the server', async () => {
    const spec = prepareSpecForStart(seedSpec(), h.config);
    const err = await upsertJobSchedule(h.temporal, {
      scheduleId: cronScheduleId('bad'),
      spec,
      cron: '0 0 * *',
      timezone: 'Moon/Base',
      taskQueue: h.taskQueue,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect(err.problems.map((p: { field: string }) => p.field)).toEqual(['schedule.cron', 'schedule.timezone']);
    await expect(h.temporal.schedule.getHandle(cronScheduleId('bad')).describe()).rejects.toThrow(/not found/i);
  });
});
