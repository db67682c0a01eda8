// Query sensors on a real DuckDB: a new MAX(ds) starts one run that scores exactly that date; retried,
// overlapping and repeated checks start exactly one run per change; bad SQL fails the check visibly.
import { WorkflowFailedError } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../src/activities/index.js';
import type { Warehouse } from '../src/adapters/warehouse/warehouse.js';
import { buildPredictorRegistry } from '../src/predictors/registry.js';
import { createWorker } from '../src/worker.js';
import type { ObserveRequest, Observation, SensorCheckOutcome, SensorDefinition } from '../src/sensors/types.js';
import type { SensorCheckResult } from '../src/workflows/sensors/sensorCheck.js';
import { compareWithExpected, createFeatures } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { sensorStateWorkflowId } from '../src/workflows/sensors/contract.js';
import { check, deploySensor, runsOnQueue, stateOf } from './support/sensors.js';
import { until } from './support/wait.js';

/** The real warehouse, made to fail the next N queries the way a dropped connection does. */
function flaky(warehouse: Warehouse) {
  let failNext = 0;
  let failed = 0;
  const wrapped: Warehouse = Object.create(warehouse);
  wrapped.query = async (sql, options) => {
    if (failNext > 0) {
      failNext--;
      failed++;
      throw new Error('connection reset by peer');
    }
    return warehouse.query(sql, options);
  };
  return { warehouse: wrapped, failNextQueries: (n: number) => (failNext = n), failed: () => failed };
}

describe('query sensors on DuckDB', () => {
  let h: Harness;
  let native: NativeConnection;
  let faults: ReturnType<typeof flaky>;
  let stopWorker: () => Promise<void>;

  const addDay = (ds: string, rows: number, from: number) =>
    h.sql(`INSERT INTO dev.model_features
    SELECT (${from} + i)::BIGINT, ((i * 7919) % 1000) / 1000.0, ((i * 104729) % 997) / 997.0, '${ds}' FROM range(${rows}) r(i)`);
  const sensorConfig = (query: string, outputTableName = 'SENSOR_PREDICTIONS') => ({
    project: 'churn',
    sensor: { cronSchedule: '0 6 * * *', timezone: 'Europe/Paris', eventName: 'features_landed', payloadKey: 'ds' },
    data: { type: 'duckdb', query },
    run: {
      inputQuery: "SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE ds = '{ds}'",
      outputTableName,
      outputTableDefinition: [
        ['id', 'NUMBER'],
        ['score', 'FLOAT'],
        ['label', 'NUMBER'],
      ],
      predictor: 'linear-demo',
      parallelWorkers: 2,
    },
  });

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 2_000);
    faults = flaky(h.warehouse);
    native = await NativeConnection.connect({ address: inject('temporalAddress') });
    const worker = await createWorker({
      config: h.config,
      connection: native,
      taskQueue: h.taskQueue,
      stage: h.stage,
      warehouse: faults.warehouse,
    });
    const running = worker.run();
    stopWorker = async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    };
    await deploySensor(h, 'features', sensorConfig('SELECT MAX(ds) AS ds FROM {schema}.model_features'));
  });
  afterAll(async () => {
    await stopWorker?.();
    await native?.close();
    await h?.close();
  });

  it('detects a new MAX(ds) and starts one run that scores exactly the new date', async () => {
    expect(await check(h.temporal, 'features')).toMatchObject({ changed: false, baseline: true, value: '2026-02-26' });
    expect(await check(h.temporal, 'features')).toMatchObject({ changed: false, baseline: false, value: '2026-02-26' });

    await addDay('2026-02-27', 300, 100_000);
    const changed = await check(h.temporal, 'features');
    expect(changed).toMatchObject({
      changed: true,
      value: '2026-02-27',
      runId: expect.stringMatching(/^bi-sensor-features-run-1-[0-9a-f]{10}$/),
    });

    const run = h.temporal.workflow.getHandle(changed.runId!);
    expect((await run.describe()).memo).toMatchObject({
      sensor: 'features',
      project: 'churn',
      eventName: 'features_landed',
      payload: { ds: '2026-02-27' },
    });
    const summary = await h.client.waitForResult(changed.runId!);
    expect(summary.rowsIn).toBe(300);
    expect(await compareWithExpected(h, 'SENSOR_PREDICTIONS', "ds = '2026-02-27'")).toEqual({
      missing: 0,
      extra: 0,
      wrong: 0,
      published: 300,
      expected: 300,
    });

    expect((await check(h.temporal, 'features')).changed).toBe(false);
    expect(await stateOf(h.temporal, 'features')).toMatchObject({
      lastValue: '2026-02-27',
      changes: 1,
      checks: 4,
      lastRunId: changed.runId,
    });
  });

  it('two checks of one change running at the same time start one run', async () => {
    const schedule = await h.temporal.schedule.getHandle('bi-sensor-features').describe();
    const definition = schedule.action.args![0];
    await addDay('2026-02-28', 200, 200_000);
    const results = (await Promise.all(
      [1, 2].map((i) =>
        h.temporal.workflow.execute('sensorCheck', {
          taskQueue: h.taskQueue,
          workflowId: `bi-sensor-features-check-overlap-${i}`,
          args: [definition],
        }),
      ),
    )) as SensorCheckResult[];
    const changed = results.filter((r) => r.changed);
    expect(changed).toHaveLength(1);
    expect(results.every((r) => r.value === '2026-02-28')).toBe(true);
    expect((await h.client.waitForResult(changed[0].runId!)).rowsIn).toBe(200);
    expect((await stateOf(h.temporal, 'features')).changes).toBe(2);
  });

  it('a report sent twice (an activity retry) is answered from the first one and starts one run', async () => {
    const activities = createActivities({
      stage: h.stage,
      warehouse: h.warehouse,
      predictors: await buildPredictorRegistry([]),
      schema: 'dev',
      defaultParallelism: 4,
      maxSplits: 100,
    });
    const env = new MockActivityEnvironment({ taskQueue: h.taskQueue }, { client: h.temporal });
    const schedule = await h.temporal.schedule.getHandle('bi-sensor-features').describe();
    const definition = schedule.action.args![0] as SensorDefinition;
    await addDay('2026-03-01', 100, 300_000);

    const observation: Observation = await env.run(activities.checkSensor, { sensor: 'features', source: definition.source });
    expect(observation.value).toBe('2026-03-01');
    const now = new Date().toISOString();
    const report: ObserveRequest = { checkId: 'manual-check/run-1', observedAt: now, checkedAt: now, observation, sensor: definition };
    const first: SensorCheckOutcome = await env.run(activities.recordSensorCheck, report);
    const again = await env.run(activities.recordSensorCheck, report);
    expect(first).toMatchObject({ changed: true, value: '2026-03-01' });
    expect(again).toEqual(first);
    // A different check that saw the same value is no change either.
    expect(await env.run(activities.recordSensorCheck, { ...report, checkId: 'manual-check/run-2' })).toMatchObject({ changed: false });
    await h.client.waitForResult(first.runId!);
    expect((await stateOf(h.temporal, 'features')).changes).toBe(3);

    // A slow check that began looking before that one reports the older value late: out of date, no run.
    const stale: ObserveRequest = {
      ...report,
      checkId: 'slow-check/run-1',
      observedAt: new Date(Date.parse(now) - 60_000).toISOString(),
      observation: { ...observation, value: '2026-02-28', fingerprint: 'older-result' },
    };
    expect(await env.run(activities.recordSensorCheck, stale)).toMatchObject({ changed: false, stale: true, value: '2026-03-01' });
    expect(await stateOf(h.temporal, 'features')).toMatchObject({ changes: 3, lastValue: '2026-03-01' });
  });

  it('a check whose query fails once is retried and starts one run', async () => {
    await addDay('2026-03-02', 100, 400_000);
    faults.failNextQueries(1);
    const result = await check(h.temporal, 'features');
    expect(faults.failed()).toBe(1);
    expect(result).toMatchObject({ changed: true, value: '2026-03-02' });
    await h.client.waitForResult(result.runId!);
    expect((await stateOf(h.temporal, 'features')).changes).toBe(4);
  });

  it('an empty result is a value: the first rows to appear are a change', async () => {
    await deploySensor(
      h,
      'future',
      sensorConfig("SELECT ds FROM {schema}.model_features WHERE ds >= '2026-04-01' ORDER BY ds LIMIT 1", 'FUTURE_PREDICTIONS'),
    );
    expect(await check(h.temporal, 'future')).toMatchObject({ baseline: true, value: '' });
    await addDay('2026-04-01', 50, 500_000);
    const result = await check(h.temporal, 'future');
    expect(result).toMatchObject({ changed: true, value: '2026-04-01' });
    expect((await h.client.waitForResult(result.runId!)).rowsIn).toBe(50);
  });

  it('bad SQL fails the check visibly; the schedule stays on and the next tick tries again', async () => {
    await deploySensor(h, 'broken', sensorConfig('SELECT MAX(no_such_column) FROM {schema}.model_features'));
    for (let tick = 1; tick <= 2; tick++) {
      const failure = await check(h.temporal, 'broken').then(
        () => undefined,
        (err) => err,
      );
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect(failure.cause).toMatchObject({ type: 'SensorCheckFailed' });
      expect(failure.cause.message).toMatch(/Sensor broken could not check its source: .*no_such_column/);
    }
    const state = await stateOf(h.temporal, 'broken');
    expect(state).toMatchObject({ checks: 2, changes: 0 });
    expect(state.lastError).toMatch(/Binder Error/);
    const schedule = await h.temporal.schedule.getHandle('bi-sensor-broken').describe();
    expect(schedule.state.paused).toBe(false);
    expect(schedule.info.numActionsTaken).toBe(2);
  });

  it('the state survives continue-as-new: the last value is kept and the memo republished', async () => {
    await deploySensor(
      h,
      'long-lived',
      sensorConfig("SELECT count(*) AS n FROM {schema}.model_features WHERE ds = '2026-05-01'", 'LONG_LIVED'),
    );
    // Start the state workflow ourselves with a tiny history limit; checks then find it running.
    const first = await h.temporal.workflow.start('sensorState', {
      taskQueue: h.taskQueue,
      workflowId: sensorStateWorkflowId('long-lived'),
      args: [{ sensor: 'long-lived', historyLimit: 12 }],
    });
    expect((await check(h.temporal, 'long-lived')).baseline).toBe(true);
    for (let i = 0; i < 4; i++) expect((await check(h.temporal, 'long-lived')).changed).toBe(false);
    await addDay('2026-05-01', 10, 600_000);
    const changed = await check(h.temporal, 'long-lived');
    expect(changed).toMatchObject({ changed: true, value: '10' });
    await h.client.waitForResult(changed.runId!);
    expect((await check(h.temporal, 'long-lived')).changed).toBe(false);

    const current = await h.temporal.workflow.getHandle(sensorStateWorkflowId('long-lived')).describe();
    expect(current.runId).not.toBe(first.firstExecutionRunId);
    expect(await stateOf(h.temporal, 'long-lived')).toMatchObject({ checks: 7, changes: 1, lastValue: '10', lastRunId: changed.runId });
    expect(current.memo).toMatchObject({ sensor: 'long-lived', checks: 7, changes: 1, lastValue: '10' });
  });

  it('started exactly one run per change, and no others', async () => {
    const changes =
      (await stateOf(h.temporal, 'features')).changes +
      (await stateOf(h.temporal, 'future')).changes +
      (await stateOf(h.temporal, 'long-lived')).changes;
    expect(changes).toBe(6);
    const runs = await until(
      async () => {
        const ids = await runsOnQueue(h);
        return ids.length >= changes ? ids : undefined;
      },
      60_000,
      `${changes} runs in visibility`,
    );
    expect(runs).toHaveLength(changes);
  });
});
