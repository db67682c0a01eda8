// Issue 11 item 1 over HTTP: two tenants, each with its own DuckDB file (BATCH_TENANTS_FILE). Tenant A
// cannot read B's table or host files, and cannot overwrite B's table: the database and the grant
// say no, and each refusal leaves B's data as it was.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../src/activities/index.js';
import { DuckDBWarehouse } from '../src/adapters/warehouse/duckdb/duckdbWarehouse.js';
import { TenantWarehouses } from '../src/tenants/warehouses.js';
import { startApi, TOKEN_A, TOKEN_B, type TestApi } from './support/api.js';
import { cliEnv, runCli } from './support/cli.js';
import { createHarness, type Harness } from './support/harness.js';
import { until } from './support/wait.js';

const BASE = '/api/v1/inference/batch';
const FINAL = ['completed', 'failed', 'cancelled'];

const body = (query: string, table: string, mode = 'overwrite') => ({
  model_id: 'linear-demo',
  input: { source: 'sql', query },
  output: { destination: 'table', table_name: table, mode },
  config: { batch_size: 1000, parallelism: 1, timeout_minutes: 10 },
});

describe('tenants over the HTTP API', () => {
  let h: Harness;
  let api: TestApi;
  let dir: string;
  let fileA: string;
  let fileB: string;
  const rowsIn = async (file: string, table: string) =>
    new DuckDBWarehouse(file).withConnection(async (c) => Number((await c.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRows()[0][0]));
  const tablesIn = async (file: string) =>
    new DuckDBWarehouse(file).withConnection(async (c) =>
      (await c.runAndReadAll(`SELECT schema_name || '.' || table_name FROM duckdb_tables() ORDER BY 1`)).getRows().map((r) => String(r[0])),
    );
  const finished = (jobId: string, token = TOKEN_A) =>
    until(
      async () => {
        const { status, body: b } = await api.call('GET', `${BASE}/${jobId}`, { token });
        return status === 200 && FINAL.includes(b.status) ? b : undefined;
      },
      90_000,
      `job ${jobId} to finish`,
    );

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-tenants-'));
    fileA = path.join(dir, 'tenant_a.duckdb');
    fileB = path.join(dir, 'tenant_b.duckdb');
    const tenantsFile = path.join(dir, 'tenants.yaml');
    fs.writeFileSync(
      tenantsFile,
      [
        'tenants:',
        `  tenantA: { duckdb: ${JSON.stringify(fileA)}, write: ["a.*"] }`,
        `  tenantB: { duckdb: ${JSON.stringify(fileB)}, write: ["b.*"] }`,
        `  default: { duckdb: ${JSON.stringify(path.join(dir, 'default.duckdb'))}, write: ["*"] }`,
      ].join('\n'),
    );
    h = await createHarness({ BATCH_TENANTS_FILE: tenantsFile });
    await new DuckDBWarehouse(fileA).withConnection(async (c) => {
      await c.run('CREATE SCHEMA a');
      await c.run('CREATE TABLE a.features AS SELECT i::BIGINT AS id, (i % 10) / 10.0 AS feature_1, 0.5 AS feature_2 FROM range(300) r(i)');
    });
    await new DuckDBWarehouse(fileB).withConnection(async (c) => {
      await c.run('CREATE SCHEMA b');
      await c.run('CREATE TABLE b.scores AS SELECT i::BIGINT AS id, 0.25 AS score, 0 AS label FROM range(20000) r(i)');
    });
    await h.startWorker();
    api = await startApi(h, ['linear-demo']);
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("A's overwrite of B's table is 403 before anything starts; B's 20,000 rows stay", async () => {
    const response = await api.call('POST', BASE, {
      body: body('SELECT id, feature_1, feature_2 FROM a.features', 'b.scores'),
      token: TOKEN_A,
    });
    const message =
      'outputTableName: tenant "tenantA" may not write b.scores; write to one of a.* (the tenant\'s "write" list in BATCH_TENANTS_FILE)';
    expect(response).toEqual({
      status: 403,
      body: {
        error: 'forbidden',
        message,
        problems: [{ field: 'output.table_name', message: message.replace('outputTableName', 'output.table_name') }],
      },
    });
    expect(api.client.starts).toBe(0);
    expect(await rowsIn(fileB, 'b.scores')).toBe(20_000);
  });

  it("A cannot read B's table: the run fails in preparing with DuckDB's own error; nothing written", async () => {
    const response = await api.call('POST', BASE, {
      body: body('SELECT id, score AS feature_1, score AS feature_2 FROM b.scores', 'a.stolen'),
      token: TOKEN_A,
    });
    expect(response.status).toBe(202);
    expect(response.body.input_row_count).toBeNull();
    const done = await finished(response.body.job_id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(
      /^DuckDB rejected the statement: Catalog Error: Table with name "b.scores" does not exist because schema "b" does not exist/,
    );
    expect(await tablesIn(fileA)).toEqual(['a.features']);
  });

  it.each([
    [`SELECT * FROM read_parquet('B_FILE')`, 'B_FILE'],
    [`SELECT * FROM read_csv('/etc/passwd', sep = ':', header = false)`, '/etc/passwd'],
  ])("A cannot read another tenant's file or host files: %s", async (query, file) => {
    const real = query.replace('B_FILE', fileB);
    const response = await api.call('POST', BASE, { body: body(real, 'a.leak'), token: TOKEN_A });
    expect(response.status).toBe(202);
    const done = await finished(response.body.job_id);
    expect(done.status).toBe('failed');
    // The API shows no host paths: the file DuckDB refused is named <path>.
    expect(done.error).toMatch(
      /^DuckDB rejected the statement: Permission Error: Cannot access file "<path>" - file system operations are disabled by configuration/,
    );
    expect(done.error).not.toContain(file === 'B_FILE' ? fileB : file);
    expect(done.error).not.toMatch(/root:/);
    expect(await tablesIn(fileA)).toEqual(['a.features']);
  });

  it("A's own job reads and writes A's file only; B's file is untouched", async () => {
    const response = await api.call('POST', BASE, {
      body: body('SELECT id, feature_1, feature_2 FROM a.features', 'a.scores'),
      token: TOKEN_A,
    });
    expect(response.status).toBe(202);
    expect(response.body.input_row_count).toBe(300);
    expect(await finished(response.body.job_id)).toMatchObject({ status: 'completed' });
    expect(await rowsIn(fileA, 'a.scores')).toBe(300);
    expect(await tablesIn(fileB)).toEqual(['b.scores']);
    expect(await rowsIn(fileB, 'b.scores')).toBe(20_000);
  });

  it('a query of two statements is 400 naming input.query, before anything starts', async () => {
    const starts = api.client.starts;
    const response = await api.call('POST', BASE, { body: body('SELECT 1 AS id; DROP TABLE b.scores', 'b.out'), token: TOKEN_B });
    expect(response.status).toBe(400);
    expect(response.body.problems).toEqual([
      {
        field: 'input.query',
        message:
          'input.query: the warehouse parsed 2 statements; give exactly one read-only statement (SELECT or WITH … SELECT), without a trailing second statement',
      },
    ]);
    expect(api.client.starts).toBe(starts);
    expect(await rowsIn(fileB, 'b.scores')).toBe(20_000);
  });

  it('a schedule block naming another tenant is 403; nothing scheduled', async () => {
    const starts = api.client.starts;
    const response = await api.call('POST', BASE, {
      body: {
        inputQuery: 'SELECT id, feature_1, feature_2 FROM b.scores',
        outputTableName: 'b.out',
        predictor: 'linear-demo',
        schedule: { cron: '0 2 * * *', tenant: 'tenantB' },
      },
      token: TOKEN_A,
    });
    expect(response.status).toBe(403);
    expect(response.body.message).toBe(
      'outputTableName: tenant "tenantA" may not write b.out; write to one of a.* (the tenant\'s "write" list in BATCH_TENANTS_FILE)',
    );
    const own = await api.call('POST', BASE, {
      body: {
        inputQuery: 'SELECT id, feature_1, feature_2 FROM a.features',
        outputTableName: 'a.out',
        predictor: 'linear-demo',
        schedule: { cron: '0 2 * * *', tenant: 'tenantB' },
      },
      token: TOKEN_A,
    });
    expect(own).toEqual({
      status: 403,
      body: {
        error: 'forbidden',
        message: 'schedule.tenant: "tenantB" is not the caller\'s tenant; remove it (runs belong to the tenant of the token)',
      },
    });
    expect(api.client.starts).toBe(starts);
  });

  it("a sensor of tenant A queries A's database only, and its query is checked by the parser", async () => {
    const activities = createActivities({
      stage: h.stage,
      warehouse: h.warehouse,
      predictors: {},
      schema: 'dev',
      defaultParallelism: 1,
      maxSplits: 1,
      tenants: h.config.tenants,
      tenantWarehouses: new TenantWarehouses(h.config, h.config.tenants!),
    });
    const check = (query: string) => activities.checkSensor({ sensor: 's', source: { type: 'duckdb', query }, tenant: 'tenantA' });
    expect((await check('SELECT count(*) FROM a.features')).value).toBe('300');
    await expect(check('SELECT count(*) FROM b.scores')).rejects.toThrow(
      /^DuckDB rejected the statement: Catalog Error: Table with name "b.scores" does not exist/,
    );
    await expect(check('SELECT 1; DROP TABLE a.features')).rejects.toThrow('data.query: the warehouse parsed 2 statements');
    expect(await tablesIn(fileA)).toContain('a.features');
  });

  it('the CLI, as a tenant that may not write the table, exits 2 before anything starts', async () => {
    const tenantsFile = path.join(dir, 'cli-tenants.json');
    fs.writeFileSync(tenantsFile, JSON.stringify({ tenants: { default: { duckdb: fileA, write: ['a.*'] } } }));
    const specFile = path.join(dir, 'steal.json');
    fs.writeFileSync(
      specFile,
      JSON.stringify({
        inputQuery: 'SELECT id, feature_1, feature_2 FROM a.features',
        outputTableName: 'b.scores',
        predictor: 'linear-demo',
        overwrite: true,
      }),
    );
    const before = (await h.temporal.workflow.count(`TaskQueue = '${h.taskQueue}'`)).count;
    const cli = await runCli(['run', specFile], cliEnv(h, { BATCH_TENANTS_FILE: tenantsFile }));
    expect(cli.code, cli.stderr).toBe(2);
    expect(cli.stderr.trim()).toBe(
      'outputTableName: tenant "default" may not write b.scores; write to one of a.* (the tenant\'s "write" list in BATCH_TENANTS_FILE)',
    );
    expect((await h.temporal.workflow.count(`TaskQueue = '${h.taskQueue}'`)).count).toBe(before);
    expect(await rowsIn(fileB, 'b.scores')).toBe(20_000);
  });
});
