// BATCH_TENANTS_FILE and the tenant of sensor and cron files: bad input named with its field and fix,
// and an output outside the tenant's grant reported before anything is deployed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { readConfigFile } from '../src/schedules/configFiles.js';
import { parseSensorFile } from '../src/sensors/sensorConfig.js';
import { SpecError } from '../src/spec/errors.js';
import { checkWriteGrant, TenantGrantError } from '../src/tenants/grants.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-tenants-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
const configWith = (tenantsYaml: string) => loadConfig({ BATCH_TENANTS_FILE: write(`t-${Math.random()}.yaml`, tenantsYaml) });

describe('BATCH_TENANTS_FILE', () => {
  it("loads each tenant's database and write list", () => {
    const config = configWith('tenants:\n  acme: { duckdb: /data/acme.duckdb, write: ["acme.*"] }');
    expect(config.tenants).toEqual({ acme: { duckdb: '/data/acme.duckdb', write: ['acme.*'] } });
  });

  it.each([
    [
      'tenants:\n  acme: { write: ["acme.*"] }',
      "tenants.acme.duckdb: required with BATCH_WAREHOUSE=duckdb:…; give the tenant's own database file",
    ],
    ['tenants:\n  acme: { duckdb: a.duckdb, write: [] }', 'tenants.acme.write: list the tables the tenant may write, e.g. ["acme.*"]'],
    ['tenants:\n  acme: { duckdb: a.duckdb, write: ["a; drop"] }', 'tenants.acme.write.0: use schema.table, schema.* or *'],
    ['tenants:\n  acme: { duckdb: a.duckdb, write: ["*"], role: x }', 'tenants.acme: Unrecognized key: "role"'],
    ['tenants:\n  "bad name!": { duckdb: a.duckdb, write: ["*"] }', 'tenants.bad name!: use a tenant name of letters, digits, _ . and -'],
  ])('refuses %j naming the field', (yaml, problem) => {
    expect(() => configWith(yaml)).toThrow(ConfigError);
    expect(() => configWith(yaml)).toThrow(problem);
  });

  it('a missing file says so without guessing', () => {
    expect(() => loadConfig({ BATCH_TENANTS_FILE: path.join(dir, 'nope.yaml') })).toThrow(
      /BATCH_TENANTS_FILE: .*nope\.yaml is not valid:\n\s+cannot read it as YAML: ENOENT/,
    );
  });

  it.each([
    ['acme.scores', ['acme.*'], true],
    ['db.acme.scores', ['acme.*'], true],
    ['other.scores', ['acme.*'], false],
    ['scores', ['acme.*'], false],
    ['scores', ['scores'], true],
    ['ACME.Scores', ['acme.scores'], true],
    ['x.y', ['*'], true],
  ])('grant: %s with %j → %s', (table, write, ok) => {
    const run = () => checkWriteGrant({ t: { duckdb: 'x', write } }, 't', table);
    if (ok) expect(run).not.toThrow();
    else expect(run).toThrow(TenantGrantError);
  });
});

describe('tenants of sensor and cron files', () => {
  const config = configWith(
    'tenants:\n  acme: { duckdb: /data/acme.duckdb, write: ["acme.*"] }\n  default: { duckdb: /data/d.duckdb, write: ["*"] }',
  );
  const sensor = (tenant: string | undefined, table: string) => ({
    project: 'p',
    ...(tenant ? { tenant } : {}),
    sensor: { cronSchedule: '@hourly', eventName: 'e', payloadKey: 'ds' },
    data: { type: 'duckdb', query: 'SELECT 1' },
    run: { inputQuery: "SELECT 1 AS id WHERE '{ds}' <> ''", outputTableName: table, predictor: 'linear-demo' },
  });

  it('a sensor runs as its tenant', () => {
    expect(parseSensorFile(sensor('acme', 'acme.scores'), path.join(dir, 's.yaml'), config).tenant).toBe('acme');
  });

  it("a sensor whose run writes outside its tenant's grant is refused", () => {
    let err: unknown;
    try {
      parseSensorFile(sensor('acme', 'other.scores'), path.join(dir, 's.yaml'), config);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).problems).toEqual([
      {
        field: 'run.outputTableName',
        message: 'tenant "acme" may not write other.scores; write to one of acme.* (the tenant\'s "write" list in BATCH_TENANTS_FILE)',
      },
    ]);
  });

  it('a cron job whose schedule.tenant may not write the table is invalid at deploy', () => {
    const file = write(
      'nightly.yaml',
      'inputQuery: SELECT 1 AS id\noutputTableName: other.t\npredictor: linear-demo\nschedule: { cron: "0 2 * * *", tenant: acme }\n',
    );
    expect(readConfigFile(file, config)).toMatchObject({
      kind: 'invalid',
      problems: [{ field: 'outputTableName', message: expect.stringContaining('tenant "acme" may not write other.t') }],
    });
  });
});
