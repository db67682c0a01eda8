// Sensor config files and the job spec's schedule block: every problem named with its field and fix.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { readConfigDir, readConfigFile } from '../../src/schedules/configFiles.js';
import { cronProblem, timeZoneProblem } from '../../src/schedules/cron.js';
import { parseSensorFile } from '../../src/sensors/sensorConfig.js';
import { SpecError } from '../../src/spec/errors.js';
import { resolveSpec } from '../../src/spec/jobSpec.js';

const config = loadConfig({});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-sensor-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const SENSOR_YAML = `
project: churn
sensor:
  cronSchedule: "*/5 * * * *"
  eventName: new_features
  payloadKey: ds
data:
  type: duckdb
  query: SELECT MAX(ds) FROM {schema}.model_features
run:
  inputQuery: SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE ds = '{ds}'
  outputTableName: MODEL_PREDICTIONS_DAILY
  predictor: linear-demo
`;

const sensor = (patch: (s: Record<string, any>) => void = () => {}) => {
  const raw = YAML.parse(SENSOR_YAML);
  patch(raw);
  return raw;
};

function problems(raw: unknown, file = path.join(dir, 'features.yaml')): Record<string, string> {
  try {
    parseSensorFile(raw, file, config);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return Object.fromEntries((err as SpecError).problems.map((p) => [p.field, p.message]));
  }
  throw new Error('expected a SpecError');
}

describe('sensor config files', () => {
  it('parses a valid file, applies defaults and keeps {payloadKey} for the run', () => {
    const def = parseSensorFile(sensor(), path.join(dir, 'features.yaml'), config);
    expect(def).toMatchObject({
      name: 'features',
      project: 'churn',
      cronSchedule: '*/5 * * * *',
      timezone: 'UTC',
      eventName: 'new_features',
      payloadKey: 'ds',
      source: { type: 'duckdb', query: 'SELECT MAX(ds) FROM {schema}.model_features' },
      run: { outputTableName: 'MODEL_PREDICTIONS_DAILY', ctx: {} },
    });
    expect(def.run.inputQuery).toContain("'{ds}'");
  });

  it('inlines .sql files relative to the config file for the watched query and the run', () => {
    fs.writeFileSync(path.join(dir, 'watch.sql'), 'SELECT count(*) FROM {schema}.events');
    fs.writeFileSync(path.join(dir, 'score.sql'), "SELECT * FROM {schema}.events WHERE n = '{n}'");
    const def = parseSensorFile(
      sensor((s) => {
        s.data.query = 'watch.sql';
        s.run.inputQuery = 'score.sql';
        s.sensor.payloadKey = 'n';
      }),
      path.join(dir, 'counts.yaml'),
      config,
    );
    expect(def.source).toMatchObject({ query: 'SELECT count(*) FROM {schema}.events' });
    expect(def.run.inputQuery).toBe("SELECT * FROM {schema}.events WHERE n = '{n}'");
  });

  it('names every bad field with its fix', () => {
    const found = problems(
      sensor((s) => {
        s.sensor.cronSchedule = '*/5 * *';
        s.sensor.timezone = 'Mars/Olympus';
        delete s.sensor.eventName;
        s.sensor.payload_key = 'x';
        s.data.type = 'postgres';
      }),
    );
    expect(found['sensor.cronSchedule']).toMatch(/has 3 fields; use five fields/);
    expect(found['sensor.timezone']).toMatch(/unknown time zone "Mars\/Olympus"; use an IANA name/);
    expect(found['sensor.eventName']).toBe('required');
    expect(found['sensor.payload_key']).toBe('unknown field; did you mean "payloadKey"?');
    expect(found['data.type']).toBe('use type duckdb, snowflake or s3');
  });

  it('checks the run as a job spec, with the payload key as a known placeholder only', () => {
    const found = problems(
      sensor((s) => {
        s.run.inputQuery = "SELECT * FROM t WHERE ds = '{ds}' AND x = '{other}'";
        s.run.parallelWorkers = 0;
        s.run.schedule = { cron: '@daily' };
      }),
    );
    expect(found['run.inputQuery']).toMatch(/unknown placeholder \{other\}; add "other" to ctx/);
    expect(found['run.parallelWorkers']).toBeDefined();
    expect(found['run.schedule']).toMatch(/the sensor starts this run; remove schedule/);
    expect(problems(sensor((s) => (s.run.ctx = { ds: 'x' })))['run.ctx.ds']).toMatch(/remove it from ctx/);
    expect(problems(sensor((s) => delete s.run))['run']).toBe('required');
  });

  it('lets a sensor query use only {schema}', () => {
    expect(problems(sensor((s) => (s.data.query = 'SELECT MAX(ds) FROM {table}')))['data.query']).toMatch(
      /unknown placeholder \{table\}; a sensor query may use only \{schema\}/,
    );
  });

  it('checks S3 sources: bucket name, check mode, one key for the single-object modes', () => {
    const s3 = (data: Record<string, unknown>) => sensor((s) => (s.data = { type: 's3', ...data }));
    expect(
      parseSensorFile(s3({ bucket: 'landing', key: 'in/', checkMode: 'files_metadata' }), path.join(dir, 'a.yaml'), config).source,
    ).toEqual({ type: 's3', bucket: 'landing', key: 'in/', checkMode: 'files_metadata' });
    const found = problems(s3({ bucket: 's3://Landing', key: 'in/', checkMode: 'file_size' }));
    expect(found['data.bucket']).toMatch(/without s3:\/\//);
    expect(found['data.key']).toMatch(/file_size watches one object: give its key/);
    expect(problems(s3({ bucket: 'landing', key: 'x', checkMode: 'etag' }))['data.checkMode']).toBe(
      'use one of files_metadata, file_size, file_modified_ts',
    );
  });

  it('rejects a file name that cannot name a sensor unless sensor.name is given', () => {
    expect(problems(sensor(), path.join(dir, 'my sensor.yaml'))['sensor.name']).toMatch(/rename the file or set sensor.name/);
    expect(
      parseSensorFile(
        sensor((s) => (s.sensor.name = 'my-sensor')),
        path.join(dir, 'my sensor.yaml'),
        config,
      ).name,
    ).toBe('my-sensor');
  });
});

describe('cron and time zones', () => {
  it.each(['*/15 * * * *', '0 6 * * MON-FRI', '0 0 1,15 JAN-JUN *', '@daily', '@every 10m', '5 4 * * 0'])('accepts %s', (cron) => {
    expect(cronProblem(cron)).toBeUndefined();
  });
  it.each([
    ['* * * *', /has 4 fields/],
    ['60 * * * *', /minute "60" is not between 0 and 59/],
    ['* 5-2 * * *', /runs backwards/],
    ['* * * FOO *', /month "FOO"/],
    ['*/0 * * * *', /bad step/],
    ['@every soon', /duration such as 30s/],
  ])('rejects %s', (cron, message) => {
    expect(cronProblem(cron)).toMatch(message);
  });
  it('knows IANA zones', () => {
    expect(timeZoneProblem('Europe/Paris')).toBeUndefined();
    expect(timeZoneProblem('CEST+2')).toMatch(/unknown time zone/);
  });
});

describe('the job spec schedule block', () => {
  const opts = { schema: 'dev', defaultParallelism: 4, maxSplits: 100, readSqlFile: () => '' };
  const spec = { inputQuery: 'SELECT 1 AS id', outputTableName: 'T', predictor: 'linear-demo' };

  it('is accepted and does not change what the run executes', () => {
    const withSchedule = resolveSpec({ ...spec, schedule: { cron: '0 6 * * *' } }, opts);
    expect(withSchedule).toEqual(resolveSpec(spec, opts));
  });

  it('names its bad fields', () => {
    try {
      resolveSpec({ ...spec, schedule: { cron: '0 25 * * *', timezone: 'Nowhere', every: 1 } }, opts);
      throw new Error('expected a SpecError');
    } catch (err) {
      const found = Object.fromEntries((err as SpecError).problems.map((p) => [p.field, p.message]));
      expect(found['schedule.cron']).toMatch(/hour "25" is not between 0 and 23/);
      expect(found['schedule.timezone']).toMatch(/unknown time zone/);
      expect(found['schedule.every']).toBe('unknown field; remove it');
    }
  });
});

describe('a deploy folder', () => {
  it('classifies files: sensors, cron jobs, plain job specs, bad files, duplicate names', () => {
    const folder = fs.mkdtempSync(path.join(dir, 'deploy-'));
    fs.writeFileSync(path.join(folder, 'features.yaml'), SENSOR_YAML);
    fs.writeFileSync(path.join(folder, 'features.json'), JSON.stringify(sensor()));
    fs.writeFileSync(
      path.join(folder, 'nightly.json'),
      JSON.stringify({
        inputQuery: 'SELECT 1 AS id',
        outputTableName: 'T',
        predictor: 'p',
        schedule: { cron: '0 2 * * *', enabled: false },
      }),
    );
    fs.writeFileSync(
      path.join(folder, 'adhoc.json'),
      JSON.stringify({ inputQuery: 'SELECT 1 AS id', outputTableName: 'T', predictor: 'p' }),
    );
    fs.writeFileSync(path.join(folder, 'broken.yaml'), 'project: [unclosed');
    fs.writeFileSync(path.join(folder, 'notes.md'), 'ignored');
    const items = Object.fromEntries(readConfigDir(folder, config).map((i) => [path.basename(i.file), i]));
    expect(Object.keys(items).sort()).toEqual(['adhoc.json', 'broken.yaml', 'features.json', 'features.yaml', 'nightly.json']);
    expect(items['features.json']).toMatchObject({ kind: 'sensor', scheduleId: 'bi-sensor-features' });
    expect(items['features.yaml']).toMatchObject({
      kind: 'invalid',
      problems: [{ field: 'sensor.name', message: expect.stringMatching(/features.json already deploys bi-sensor-features/) }],
    });
    expect(items['nightly.json']).toMatchObject({
      kind: 'cron',
      scheduleId: 'bi-cron-nightly',
      schedule: { cron: '0 2 * * *', timezone: 'UTC', enabled: false },
    });
    expect(items['adhoc.json']).toMatchObject({ kind: 'skipped' });
    expect(items['broken.yaml']).toMatchObject({
      kind: 'invalid',
      problems: [{ field: '(file)', message: expect.stringMatching(/not valid YAML/) }],
    });
    const other = path.join(folder, 'other.json');
    fs.writeFileSync(other, JSON.stringify({ hello: 1 }));
    expect(readConfigFile(other, config)).toMatchObject({
      kind: 'invalid',
      problems: [{ message: expect.stringMatching(/neither a sensor nor a job spec/) }],
    });
  });

  it('the examples folder deploys as documented', () => {
    const items = readConfigDir(new URL('../../examples/schedules/', import.meta.url).pathname, config);
    expect(items.map((i) => [i.kind, 'scheduleId' in i ? i.scheduleId : i.kind])).toEqual([
      ['sensor', 'bi-sensor-new-features'],
      ['cron', 'bi-cron-nightly-latest'],
    ]);
    const sensorItem = items[0] as Extract<(typeof items)[number], { kind: 'sensor' }>;
    expect(sensorItem.sensor.run.inputQuery).toMatch(/WHERE ds = '\{ds\}'/);
  });
});
