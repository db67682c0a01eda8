// `batch-inference deploy` and `sensors`, run as separate processes: one Schedule per config file,
// idempotent, --dry-run changes nothing, --prune removes what lost its file, bad files are rejected alone.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareSpecForStart } from '../src/spec/prepareForStart.js';
import type { DeployResult } from '../src/schedules/deploy.js';
import { upsertJobSchedule } from '../src/schedules/jobSchedule.js';
import { listManagedSchedules } from '../src/schedules/managed.js';
import { describeSchedule } from '../src/schedules/upsert.js';
import type { SensorStatus } from '../src/sensors/status.js';
import type { SensorDefinition } from '../src/sensors/types.js';
import { cliEnv, runCli } from './support/cli.js';
import { compareWithExpected, createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { stateOf } from './support/sensors.js';
import { until } from './support/wait.js';

const SENSOR = (cron: string) => `
project: churn
sensor:
  cronSchedule: "${cron}"
  eventName: features_landed
  payloadKey: ds
data:
  type: duckdb
  query: SELECT MAX(ds) FROM {schema}.model_features
run:
  inputQuery: score.sql
  outputTableName: CLI_SENSOR_PREDICTIONS
  predictor: linear-demo
  parallelWorkers: 2
`;

describe('deploy and sensors commands', () => {
  let h: Harness;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  const cli = (...args: string[]) => runCli(args, env);
  const deployJson = async (...flags: string[]) => {
    const result = await cli('deploy', dir, '--json', ...flags);
    return { ...result, plan: JSON.parse(result.stdout) as DeployResult };
  };
  const actions = (plan: DeployResult) => Object.fromEntries(plan.lines.map((l) => [l.file, l.action]));

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 2_000);
    await h.startWorker();
    env = cliEnv(h);
    dir = path.join(h.dir, 'deploy');
    fs.mkdirSync(dir);
    write('cli-features.yaml', SENSOR('*/10 * * * *'));
    write('score.sql', "SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE ds = '{ds}'");
    write(
      'cli-nightly.json',
      JSON.stringify({ ...seedSpec({ outputTableName: 'CLI_NIGHTLY' }), schedule: { cron: '0 2 * * *', timezone: 'Asia/Tokyo' } }),
    );
    write(
      'cli-paused.yaml',
      'inputQuery: SELECT 1 AS id\noutputTableName: CLI_PAUSED\npredictor: linear-demo\nschedule:\n  cron: "@daily"\n  enabled: false\n',
    );
    write('adhoc.json', JSON.stringify(seedSpec()));
  });
  afterAll(() => h?.close());

  it('--dry-run prints the plan and changes nothing', async () => {
    const result = await cli('deploy', dir, '--dry-run');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Dry run: nothing is changed/);
    expect(result.stdout).toMatch(/would create\s+bi-sensor-cli-features\s+cli-features\.yaml/);
    expect(result.stdout).toMatch(/would create\s+bi-cron-cli-nightly\s+cli-nightly\.json/);
    expect(result.stdout).toMatch(/skipped\s+adhoc\.json\s+\(a job spec without a schedule block/);
    for (const id of ['bi-sensor-cli-features', 'bi-cron-cli-nightly', 'bi-cron-cli-paused']) {
      expect(await describeSchedule(h.temporal, id)).toBeUndefined();
    }
  });

  it('creates one Schedule per file; deploying again changes nothing', async () => {
    const first = await deployJson();
    expect(first.code, first.stderr).toBe(0);
    expect(actions(first.plan)).toEqual({
      'cli-features.yaml': 'created',
      'cli-nightly.json': 'created',
      'cli-paused.yaml': 'created',
      'adhoc.json': 'skipped',
    });

    const sensor = await describeSchedule(h.temporal, 'bi-sensor-cli-features');
    expect(sensor!.memo).toMatchObject({
      managedBy: 'batch-inference',
      kind: 'sensor',
      name: 'cli-features',
      origin: 'deploy',
      file: 'cli-features.yaml',
    });
    expect(sensor!.policies.overlap).toBe('SKIP');
    const definition = sensor!.action.args![0] as SensorDefinition;
    expect(definition.run.inputQuery).toBe("SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE ds = '{ds}'");
    const nightly = await describeSchedule(h.temporal, 'bi-cron-cli-nightly');
    expect(nightly!.spec.timezone).toBe('Asia/Tokyo');
    expect(nightly!.action).toMatchObject({ workflowType: 'batchInference', taskQueue: h.taskQueue });
    expect((await describeSchedule(h.temporal, 'bi-cron-cli-paused'))!.state.paused).toBe(true);

    const again = await deployJson();
    expect(again.code, again.stderr).toBe(0);
    expect(actions(again.plan)).toEqual({
      'cli-features.yaml': 'unchanged',
      'cli-nightly.json': 'unchanged',
      'cli-paused.yaml': 'unchanged',
      'adhoc.json': 'skipped',
    });
  });

  it('updates a changed file; a sensor paused by hand stays paused across deploys', async () => {
    const paused = await cli('sensors', 'pause', 'cli-features');
    expect(paused.code, paused.stderr).toBe(0);
    write('cli-features.yaml', SENSOR('*/5 * * * *'));
    const result = await deployJson();
    expect(actions(result.plan)).toMatchObject({ 'cli-features.yaml': 'updated', 'cli-nightly.json': 'unchanged' });
    const sensor = await describeSchedule(h.temporal, 'bi-sensor-cli-features');
    expect((sensor!.action.args![0] as SensorDefinition).cronSchedule).toBe('*/5 * * * *');
    expect(sensor!.state.paused).toBe(true);
    expect((await cli('sensors', 'resume', 'cli-features')).code).toBe(0);
    expect((await describeSchedule(h.temporal, 'bi-sensor-cli-features'))!.state.paused).toBe(false);
  });

  it('rejects a bad file naming the file, the field and the fix, deploys nothing from it, and the rest still deploys', async () => {
    write('cli-bad.yaml', SENSOR('61 * * * *').replace('  payloadKey: ds\n', ''));
    const result = await cli('deploy', dir, '--prune');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('rejected   cli-bad.yaml: nothing deployed from this file');
    expect(result.stderr).toContain('sensor.payloadKey: required');
    expect(result.stderr).toMatch(/sensor\.cronSchedule: "61 \* \* \* \*": minute "61" is not between 0 and 59; use five fields/);
    expect(result.stdout).toMatch(/unchanged\s+bi-sensor-cli-features/);
    expect(await describeSchedule(h.temporal, 'bi-sensor-cli-bad')).toBeUndefined();

    // A file that breaks after it was deployed: its Schedule stays as it was, even with --prune.
    write(
      'cli-nightly.json',
      '{ "inputQuery": "SELECT 1", "outputTableName": "T", "predictor": "linear-demo", "schedule": { "cron": "0 2 * *" } }',
    );
    const broken = await deployJson('--prune');
    expect(broken.code).toBe(2);
    expect(broken.plan.lines.find((l) => l.file === 'cli-nightly.json')).toMatchObject({
      action: 'invalid',
      problems: [{ field: 'schedule.cron' }],
    });
    expect((await describeSchedule(h.temporal, 'bi-cron-cli-nightly'))!.spec.timezone).toBe('Asia/Tokyo');
    fs.rmSync(path.join(dir, 'cli-bad.yaml'));
    write(
      'cli-nightly.json',
      JSON.stringify({ ...seedSpec({ outputTableName: 'CLI_NIGHTLY' }), schedule: { cron: '0 2 * * *', timezone: 'Asia/Tokyo' } }),
    );
  });

  it('sensors trigger checks now; sensors list shows cron, paused, last value, last check and last run', async () => {
    const baseline = await cli('sensors', 'trigger', 'cli-features');
    expect(baseline.code, baseline.stderr).toBe(0);
    expect(baseline.stdout).toContain('Sensor cli-features: check started');
    await until(
      async () => ((await stateOf(h.temporal, 'cli-features').catch(() => undefined))?.checks === 1 ? true : undefined),
      60_000,
      'the first check',
    );

    await h.sql(`INSERT INTO dev.model_features SELECT (50000 + i)::BIGINT, i / 100.0, NULL, '2026-02-27' FROM range(120) r(i)`);
    expect((await cli('sensors', 'trigger', 'cli-features')).code).toBe(0);
    const state = await until(
      async () => {
        const s = await stateOf(h.temporal, 'cli-features');
        return s.changes === 1 ? s : undefined;
      },
      60_000,
      'the change',
    );
    await h.client.waitForResult(state.lastRunId!);
    expect(await compareWithExpected(h, 'CLI_SENSOR_PREDICTIONS', "ds = '2026-02-27'")).toMatchObject({
      missing: 0,
      extra: 0,
      wrong: 0,
      published: 120,
    });

    const listed = await cli('sensors', 'list', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const mine = (JSON.parse(listed.stdout) as SensorStatus[]).find((s) => s.name === 'cli-features');
    expect(mine).toMatchObject({
      scheduleId: 'bi-sensor-cli-features',
      cron: '*/5 * * * *',
      timezone: 'UTC',
      paused: false,
      project: 'churn',
      eventName: 'features_landed',
      lastValue: '2026-02-27',
      checks: 2,
      changes: 1,
      lastRunId: state.lastRunId,
      lastRunStatus: 'COMPLETED',
    });
    expect(Date.parse(mine!.lastCheckAt!)).toBeGreaterThan(0);
    expect(Date.parse(mine!.lastRunStartedAt!)).toBeGreaterThan(0);

    const text = await cli('sensors', 'list');
    expect(text.stdout).toMatch(/cli-features\s+\*\/5 \* \* \* \* UTC\s+event features_landed/);
    expect(text.stdout).toContain(`last run     ${state.lastRunId} started`);
  });

  it('--prune deletes the deployed Schedules whose file is gone, and only those', async () => {
    const api = await upsertJobSchedule(h.temporal, {
      scheduleId: 'bi-cron-cli-from-api',
      spec: prepareSpecForStart(seedSpec(), h.config),
      cron: '@daily',
      taskQueue: h.taskQueue,
    });
    expect(api).toBe('created');
    fs.rmSync(path.join(dir, 'cli-paused.yaml'));
    // Prune finds Schedules through visibility, which may lag behind a create.
    await until(
      async () => {
        const ids = (await listManagedSchedules(h.temporal)).map((s) => s.scheduleId);
        return ids.includes('bi-cron-cli-paused') && ids.includes('bi-cron-cli-from-api') ? true : undefined;
      },
      60_000,
      'schedules in visibility',
    );

    const dry = await cli('deploy', dir, '--prune', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would delete\s+bi-cron-cli-paused\s+cli-paused\.yaml\s+\(its file is gone\)/);
    expect(await describeSchedule(h.temporal, 'bi-cron-cli-paused')).toBeDefined();

    const pruned = await deployJson('--prune');
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.plan.lines.filter((l) => l.action === 'deleted').map((l) => l.scheduleId)).toEqual(['bi-cron-cli-paused']);
    expect(await describeSchedule(h.temporal, 'bi-cron-cli-paused')).toBeUndefined();
    for (const id of ['bi-sensor-cli-features', 'bi-cron-cli-nightly', 'bi-cron-cli-from-api']) {
      expect(await describeSchedule(h.temporal, id)).toBeDefined();
    }
  });

  it('unknown sensors and folders exit 2', async () => {
    const unknown = await cli('sensors', 'pause', 'no-such-sensor');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No sensor no-such-sensor');
    expect((await cli('sensors', 'trigger')).code).toBe(2);
    expect((await cli('deploy', path.join(h.dir, 'missing'))).code).toBe(2);
  });
});
