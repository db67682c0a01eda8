// The Snowflake warehouse through the real snowflake-sdk against fakesnow's server: queries, table
// creation, atomic overwrite, repeat publishes, quoting, error mapping, and the exact SQL of the
// unload that fakesnow does not implement. The stage is fakesnow's internal stage folder, read by
// our LocalStage, so COPY INTO <table> FROM @stage loads files the way it would from S3.
import { DuckDBInstance } from '@duckdb/node-api';
import { ApplicationFailure } from '@temporalio/common';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atActivityEdge } from '../src/activities/failures.js';
import { LocalStage } from '../src/adapters/stage/local/localStage.js';
import { unloadSql } from '../src/adapters/warehouse/snowflake/statements.js';
import { createSnowflakePool, execute } from '../src/adapters/warehouse/snowflake/connection.js';
import { StatementCancelledError } from '../src/adapters/warehouse/snowflake/statementCancel.js';
import { until } from './support/wait.js';
import { SnowflakeWarehouse } from '../src/adapters/warehouse/snowflake/snowflakeWarehouse.js';
import type { SnowflakeSettings } from '../src/adapters/warehouse/snowflake/settings.js';
import { QueryError } from '../src/adapters/warehouse/errors.js';
import type { ColumnDefinition } from '../src/spec/types.js';
import { fakesnowAccount, startFakesnow, type FakesnowAccount, type FakesnowServer } from './support/fakesnowServer.js';

const DEFINITION: ColumnDefinition[] = [
  ['id', 'NUMBER'],
  ['score', 'FLOAT'],
  ['label', 'VARCHAR'],
  ['scored_at', 'TIMESTAMP_NTZ'],
];

describe('Snowflake warehouse (snowflake-sdk → fakesnow)', () => {
  let fk: FakesnowServer;
  let settings: SnowflakeSettings;
  let wh: SnowflakeWarehouse;
  let stage: LocalStage;
  let account: FakesnowAccount;
  let admin: FakesnowAccount['admin'];

  /** Writes one output parquet file of `rows` predictions for a run, as scoreChunk would. */
  async function writeOutput(runId: string, rows: number, { offset = 0, chunk = 0, badLabel = false } = {}) {
    const dir = path.join(stage.root, 'runs', runId, 'output', '0');
    fs.mkdirSync(dir, { recursive: true });
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const label = badLabel ? `'not a number'` : `CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END`;
    await conn.run(`COPY (SELECT (i + ${offset})::BIGINT AS id, i / 10.0 AS score, ${label} AS label,
      TIMESTAMP '2026-02-26 10:00:00' + INTERVAL (i) SECOND AS scored_at FROM range(${rows}) t(i))
      TO '${path.join(dir, `${String(chunk).padStart(6, '0')}.parquet`)}' (FORMAT parquet)`);
    conn.closeSync();
    db.closeSync();
  }

  const publish = (runId: string, overrides: Partial<Parameters<SnowflakeWarehouse['publish']>[0]> = {}) =>
    wh.publish({
      runId,
      publishId: `${runId}-exec`,
      table: 'PREDICTIONS',
      definition: DEFINITION,
      autoCreateTable: true,
      overwrite: true,
      stage,
      prefix: `runs/${runId}/output`,
      useUtc: true,
      ...overrides,
    });

  beforeAll(async () => {
    fk = await startFakesnow();
    account = await fakesnowAccount(fk);
    ({ settings, admin } = account);
    await admin(
      `CREATE TABLE BI.DEV.FEATURES AS SELECT 1 AS ID, 0.5::FLOAT AS F, '2026-02-26'::DATE AS DS UNION ALL SELECT 2, 0.25, '2026-02-27'::DATE`,
    );
    stage = new LocalStage(account.stageDir);
    wh = new SnowflakeWarehouse(settings);
  }, 60_000);
  afterAll(async () => {
    await wh?.close();
    await account?.close();
    await fk?.stop();
  });

  it('runs a query with the run tag and UTC as statement parameters, numbers and dates as exact strings', async () => {
    const sent = fk.statements.length;
    const rows = await wh.query(`SELECT MAX(DS) AS LATEST, COUNT(*) AS N FROM BI.DEV.FEATURES`, { tag: 'sensor:features' });
    expect(rows).toEqual([{ LATEST: expect.stringMatching(/^2026-02-27/), N: '2' }]);
    const mine = fk.statements.slice(sent);
    expect(mine.map((s) => s.sqlText)).toEqual([
      'USE WAREHOUSE "SCORING_WH"',
      'SELECT * FROM (\nSELECT MAX(DS) AS LATEST, COUNT(*) AS N FROM BI.DEV.FEATURES\n) LIMIT 1000',
    ]);
    for (const s of mine) {
      expect(JSON.parse(String(s.parameters?.QUERY_TAG))).toMatchObject({ app: 'batch-inference', step: 'query', tag: 'sensor:features' });
      expect(s.parameters?.TIMEZONE).toBe('UTC');
      expect(s.parameters?.ABORT_DETACHED_QUERY).toBe('TRUE');
    }
    // Credentials travel only in the login request, never with a statement.
    expect(JSON.stringify(fk.statements)).not.toContain('secret');
  });

  it('creates the table from the definition in Snowflake types and loads the run output by column name', async () => {
    await writeOutput('run-a', 500);
    await writeOutput('run-a', 250, { offset: 500, chunk: 1 });
    const result = await publish('run-a');
    expect(result).toEqual({ table: 'PREDICTIONS', rows: 750, loaded: true });
    expect(fk.statements.map((s) => s.sqlText)).toContain(
      'CREATE TABLE "PREDICTIONS" ("ID" NUMBER, "SCORE" FLOAT, "LABEL" VARCHAR, "SCORED_AT" TIMESTAMP_NTZ)',
    );
    expect(fk.statements.map((s) => s.sqlText)).toContain(
      `COPY INTO "PREDICTIONS" FROM '@BI_STAGE/runs/run-a/output/' FILES = ('0/000000.parquet', '0/000001.parquet') ` +
        'FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE FORCE = TRUE',
    );
    const [stats] = await admin(
      `SELECT COUNT(*) AS N, COUNT(DISTINCT ID) AS D, MIN(ID) AS LO, MAX(ID) AS HI, SUM(IFF(LABEL = 'even', 1, 0)) AS EVEN FROM PREDICTIONS`,
    );
    expect(stats).toEqual({ N: 750, D: 750, LO: 0, HI: 749, EVEN: 375 });
    const [row] = await admin(`SELECT SCORE, LABEL FROM PREDICTIONS WHERE ID = 7`);
    expect(row).toEqual({ SCORE: 0.7, LABEL: 'odd' });
  });

  it("reads an existing table's columns and types (the output-table check in preparing); null for no table", async () => {
    const columns = await wh.tableColumns('PREDICTIONS');
    expect(columns!.map((c) => c.name)).toEqual(['ID', 'SCORE', 'LABEL', 'SCORED_AT']);
    expect(columns!.map((c) => c.type)).toEqual([
      expect.stringMatching(/^NUMBER/),
      'FLOAT',
      expect.stringMatching(/^VARCHAR/),
      expect.stringMatching(/^TIMESTAMP_NTZ/),
    ]);
    expect(await wh.tableColumns('NO_SUCH_TABLE')).toBeNull();
  });

  it("names a query's result columns without reading rows (the model-input check in preparing)", async () => {
    const sent = fk.statements.length;
    const columns = await wh.queryColumns('SELECT ID, F AS FEATURE_1, DS FROM BI.DEV.FEATURES', { useUtc: true });
    expect(columns.map((c) => c.toUpperCase())).toEqual(['ID', 'FEATURE_1', 'DS']);
    expect(fk.statements.slice(sent).map((s) => s.sqlText)).toContain(
      'SELECT * FROM (\nSELECT ID, F AS FEATURE_1, DS FROM BI.DEV.FEATURES\n) LIMIT 0',
    );
  });

  it('loads nothing when the same publish is repeated', async () => {
    const again = await publish('run-a');
    expect(again).toEqual({ table: 'PREDICTIONS', rows: 750, loaded: false });
    expect((await admin('SELECT COUNT(*) AS N FROM PREDICTIONS'))[0].N).toBe(750);
  });

  it('overwrites atomically and appends when asked', async () => {
    await writeOutput('run-b', 100, { offset: 10_000 });
    expect(await publish('run-b')).toMatchObject({ rows: 100, loaded: true });
    expect(await admin('SELECT MIN(ID) AS LO, COUNT(*) AS N FROM PREDICTIONS')).toEqual([{ LO: 10_000, N: 100 }]);

    await writeOutput('run-c', 40, { offset: 20_000 });
    expect(await publish('run-c', { overwrite: false })).toMatchObject({ rows: 40, loaded: true });
    expect((await admin('SELECT COUNT(*) AS N FROM PREDICTIONS'))[0].N).toBe(140);
  });

  it('keeps the old rows when an overwrite fails mid-load, and says why without retrying', async () => {
    await writeOutput('run-bad', 30, { offset: 50_000 });
    await writeOutput('run-bad', 30, { offset: 60_000, chunk: 1, badLabel: true });
    await admin('CREATE OR REPLACE TABLE NUMERIC_LABELS (ID NUMBER, SCORE FLOAT, LABEL NUMBER, SCORED_AT TIMESTAMP_NTZ)');
    await admin('INSERT INTO NUMERIC_LABELS VALUES (1, 0.1, 1, NULL), (2, 0.2, 0, NULL)');
    const failure = publish('run-bad', { table: 'NUMERIC_LABELS', definition: undefined });
    await expect(failure).rejects.toMatchObject({ name: 'PublishError' });
    expect(await admin('SELECT ID FROM NUMERIC_LABELS ORDER BY ID')).toEqual([{ ID: 1 }, { ID: 2 }]);
    expect(await admin(`SELECT COUNT(*) AS N FROM BATCH_INFERENCE_PUBLISHES WHERE RUN_ID = 'run-bad' AND ROW_COUNT IS NOT NULL`)).toEqual([
      { N: 0 },
    ]);
  });

  it('leaves no table behind when a publish that created it fails', async () => {
    await admin('CREATE STAGE IF NOT EXISTS BI.DEV.UNUSED');
    const failure = publish('run-bad', {
      table: 'NEW_NUMERIC',
      definition: [
        ['id', 'NUMBER'],
        ['label', 'NUMBER'],
      ],
    });
    await expect(failure).rejects.toMatchObject({ name: 'PublishError' });
    await expect(admin('SELECT * FROM NEW_NUMERIC')).rejects.toThrow(/does not exist/);
  });

  it('creates a table without a definition from the output columns, and refuses when autoCreateTable is false', async () => {
    expect(await publish('run-a', { table: 'INFERRED', definition: undefined, publishId: 'inferred-1' })).toMatchObject({ rows: 750 });
    const columns = await admin(
      `SELECT COLUMN_NAME, DATA_TYPE FROM BI.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'INFERRED' ORDER BY ORDINAL_POSITION`,
    );
    expect(columns.map((c) => c.COLUMN_NAME)).toEqual(['ID', 'SCORE', 'LABEL', 'SCORED_AT']);
    expect(columns.map((c) => c.DATA_TYPE)).toEqual(['NUMBER', 'FLOAT', 'TEXT', 'TIMESTAMP_NTZ']);

    await expect(publish('run-a', { table: 'MISSING_TABLE', autoCreateTable: false, publishId: 'missing-1' })).rejects.toThrow(
      /MISSING_TABLE does not exist: create it first or set autoCreateTable: true/,
    );
  });

  it('publishes runs started by a Schedule (":" in the run id) into a schema it creates', async () => {
    const runId = 'bi-cron-nightly-2026-02-26T06:00:00Z';
    await writeOutput(runId, 20);
    expect(await publish(runId, { table: 'NIGHTLY.SCORES' })).toMatchObject({ rows: 20, loaded: true });
    expect(fk.statements.map((s) => s.sqlText)).toContain(
      `COPY INTO "NIGHTLY"."SCORES" FROM '@BI_STAGE/runs/${runId}/output/' FILES = ('0/000000.parquet') ` +
        'FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE FORCE = TRUE',
    );
    expect(await admin('SELECT COUNT(*) AS N FROM NIGHTLY.SCORES')).toEqual([{ N: 20 }]);
    expect(await wh.tableHasRows('nightly.scores')).toBe(true);
    expect(await wh.tableHasRows('NIGHTLY.NO_SUCH_TABLE')).toBe(false);
    await expect(publish("run'x", { publishId: 'quote-in-run-id' })).rejects.toThrow(/has characters a stage location cannot carry/);
  });

  it('quotes names and refuses ones that could carry SQL, before sending anything', async () => {
    const sent = fk.statements.length;
    for (const table of ['PREDICTIONS"; DROP TABLE FEATURES; --', 'a b', 'x.y.z.w', "t'"]) {
      await expect(publish('run-a', { table, publishId: `inj-${table}` })).rejects.toThrow(/Not a valid Snowflake table name/);
    }
    await expect(
      publish('run-a', { table: 'SAFE', definition: [['id"); DROP TABLE FEATURES; --', 'NUMBER']], publishId: 'inj-col' }),
    ).rejects.toThrow(/Not a valid Snowflake identifier/);
    expect(
      fk.statements
        .slice(sent)
        .map((s) => s.sqlText)
        .join('\n'),
    ).not.toMatch(/DROP TABLE FEATURES/);
    expect((await admin('SELECT COUNT(*) AS N FROM BI.DEV.FEATURES'))[0].N).toBe(2);
    // A lower-case name is the same table as its upper-case form, as unquoted names are in Snowflake.
    expect(await wh.preview('predictions', 1)).toHaveLength(1);
  });

  it("maps SQL errors to non-retryable QueryErrors carrying Snowflake's message", async () => {
    const syntax = await wh.query('SELEC 1').catch((e: unknown) => e);
    expect(syntax).toBeInstanceOf(QueryError);
    const atEdge = await atActivityEdge(() => wh.query('SELEC 1')).catch((e: unknown) => e);
    expect(atEdge).toMatchObject({ nonRetryable: true, type: 'QueryError' });
    expect((syntax as Error).message).toMatch(/Snowflake rejected the statement \(42000\)/);
    const missing = await wh.query('SELECT * FROM NO_SUCH_TABLE').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(QueryError);
    expect((missing as Error).message).toMatch(/NO_SUCH_TABLE does not exist/);
  });

  it('treats an unreachable Snowflake as a transient failure, not a user error', async () => {
    const down = new SnowflakeWarehouse({ ...settings, accessUrl: 'http://127.0.0.1:9', connectTimeoutMs: 2_000 });
    // At the activity edge it stays an ordinary error, which Temporal retries.
    const err = await atActivityEdge(() => down.query('SELECT 1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect(err).not.toBeInstanceOf(QueryError);
    await down.close();
  }, 60_000);

  it('unloads with the exact COPY INTO @stage statement (fakesnow does not implement unloading)', async () => {
    fs.mkdirSync(path.join(stage.root, 'runs', 'run-x', 'input'), { recursive: true });
    fs.writeFileSync(path.join(stage.root, 'runs', 'run-x', 'input', 'stale.parquet'), 'old attempt');
    const sent = fk.statements.length;
    const query = `SELECT ID, F FROM BI.DEV.FEATURES WHERE DS = '2026-02-26'`;
    const err = await wh
      .exportQuery({
        runId: 'run-x',
        sql: query,
        stage,
        prefix: 'runs/run-x/input',
        fileSizeBytes: 256 * 1024 * 1024,
        useUtc: true,
        warehouse: 'BIG_WH',
      })
      .catch((e: unknown) => e);
    const mine = fk.statements.slice(sent);
    // Each attempt unloads into a folder of its own under the input prefix.
    const folder = /'@BI_STAGE\/(runs\/run-x\/input\/attempt-[0-9a-f-]{36})\/'/.exec(mine[2]?.sqlText ?? '')?.[1];
    expect(folder).toBeDefined();
    expect(mine.map((s) => s.sqlText)).toEqual([
      'USE WAREHOUSE "BIG_WH"',
      // The result's columns first, from a zero-row run: none is TIMESTAMP_TZ/LTZ, so the query is unloaded as is.
      `SELECT * FROM (\n${query}\n) LIMIT 0`,
      `COPY INTO '@BI_STAGE/${folder}/' FROM (\n${query}\n) FILE_FORMAT = (TYPE = PARQUET) HEADER = TRUE MAX_FILE_SIZE = 268435456 OVERWRITE = TRUE DETAILED_OUTPUT = TRUE`,
    ]);
    expect(mine[2].sqlText).toBe(unloadSql('BI_STAGE', folder!, query, 256 * 1024 * 1024));
    expect(JSON.parse(String(mine[2].parameters?.QUERY_TAG))).toEqual({ app: 'batch-inference', run: 'run-x', step: 'export' });
    // Files of an earlier attempt were removed before unloading.
    expect(fs.existsSync(path.join(stage.root, 'runs', 'run-x', 'input', 'stale.parquet'))).toBe(false);
    expect(err).toBeInstanceOf(QueryError);
    expect((err as Error).message).toMatch(/fakesnow does not implement this statement/);
  });
  it('projects TIMESTAMP_TZ and LTZ columns to TIMESTAMP_NTZ in UTC before unloading them', async () => {
    await admin(`CREATE OR REPLACE TABLE BI.DEV.EVENTS AS SELECT 1 AS ID, '2026-01-01 10:00:00 +02:00'::TIMESTAMP_TZ AS AT_TZ,
      '2026-01-01 09:00:00'::TIMESTAMP_NTZ AS AT_NTZ`);
    const query = 'SELECT ID, AT_TZ, AT_NTZ, CURRENT_TIMESTAMP() AS "exported at" FROM BI.DEV.EVENTS';
    const sent = fk.statements.length;
    // fakesnow cannot unload: the COPY is refused, after the statements this test reads.
    await wh
      .exportQuery({ runId: 'run-tz', sql: query, stage, prefix: 'runs/run-tz/input', fileSizeBytes: 1 << 20, useUtc: true })
      .catch(() => {});
    const projected =
      `SELECT "ID", CONVERT_TIMEZONE('UTC', "AT_TZ")::TIMESTAMP_NTZ AS "AT_TZ", "AT_NTZ", ` +
      `CONVERT_TIMEZONE('UTC', "exported at")::TIMESTAMP_NTZ AS "exported at" FROM (\n${query}\n)`;
    const mine = fk.statements.slice(sent).map((s) => s.sqlText);
    const folder = /'@BI_STAGE\/(runs\/run-tz\/input\/attempt-[0-9a-f-]{36})\/'/.exec(mine[2] ?? '')?.[1];
    expect(mine).toEqual([
      'USE WAREHOUSE "SCORING_WH"',
      `SELECT * FROM (\n${query}\n) LIMIT 0`,
      unloadSql('BI_STAGE', folder!, projected, 1 << 20),
    ]);
    // The projection itself runs on Snowflake's dialect: the instant in UTC, without a zone.
    const [row] = await admin(`SELECT "AT_TZ"::VARCHAR AS TZ, "AT_NTZ"::VARCHAR AS NTZ FROM (${projected})`);
    expect(row).toEqual({ TZ: '2026-01-01 08:00:00', NTZ: '2026-01-01 09:00:00' });
  });

  it('loads exactly the listed output files: a stray object under the prefix is neither read nor counted', async () => {
    await writeOutput('run-s', 30);
    await writeOutput('run-s', 12, { offset: 30, chunk: 1 });
    // Left by something else (an interrupted upload, a tool): not parquet, not listed.
    fs.writeFileSync(path.join(stage.root, 'runs', 'run-s', 'output', 'stray.csv'), 'id,score\n1,2\n');
    const result = await publish('run-s', { table: 'STRAYS' });
    expect(result).toEqual({ table: 'STRAYS', rows: 42, loaded: true });
    expect(await admin('SELECT COUNT(*) AS N FROM STRAYS')).toEqual([{ N: 42 }]);
  });

  it('locks the marker row first in the publish transaction, then reads it, and records the count last', async () => {
    await writeOutput('run-m', 5);
    const sent = fk.statements.length;
    expect(await publish('run-m', { table: 'MARKED' })).toMatchObject({ rows: 5, loaded: true });
    const mine = fk.statements.slice(sent).map((s) => s.sqlText);
    const begin = mine.indexOf('BEGIN');
    expect(begin).toBeGreaterThan(0);
    // The row is claimed (committed, no count) before the transaction, so the UPDATE always writes a row.
    const claim = mine.findIndex((sql) => /^MERGE INTO "BATCH_INFERENCE_PUBLISHES" USING \(SELECT \? AS CLAIM_ID/.test(sql));
    expect(claim).toBeGreaterThanOrEqual(0);
    expect(claim).toBeLessThan(begin);
    // Claimed before the table is created: a failing claim leaves no table behind.
    expect(claim).toBeLessThan(mine.findIndex((sql) => sql.startsWith('CREATE TABLE "MARKED"')));
    expect(mine[begin + 1]).toBe('UPDATE "BATCH_INFERENCE_PUBLISHES" SET RUN_ID = ? WHERE PUBLISH_ID = ?');
    expect(mine[begin + 2]).toBe('SELECT ROW_COUNT FROM "BATCH_INFERENCE_PUBLISHES" WHERE PUBLISH_ID = ? AND ROW_COUNT IS NOT NULL');
    expect(mine[begin + 3]).toMatch(/^DELETE FROM "MARKED"|^COPY INTO "MARKED"/);
    expect(mine.at(-2)).toMatch(/^UPDATE "BATCH_INFERENCE_PUBLISHES" SET ROW_COUNT = \?/);
    expect(mine.at(-1)).toBe('COMMIT');
    expect(await admin(`SELECT RUN_ID, TABLE_NAME, ROW_COUNT FROM BATCH_INFERENCE_PUBLISHES WHERE PUBLISH_ID = 'run-m-exec'`)).toEqual([
      { RUN_ID: 'run-m', TABLE_NAME: 'MARKED', ROW_COUNT: 5 },
    ]);
    // A claim that never committed (an attempt that died mid-load) does not count as published.
    await admin(`INSERT INTO BATCH_INFERENCE_PUBLISHES (PUBLISH_ID, RUN_ID, TABLE_NAME) VALUES ('run-m-claimed', 'run-m', 'MARKED')`);
    expect(await publish('run-m', { table: 'MARKED', publishId: 'run-m-claimed' })).toMatchObject({ rows: 5, loaded: true });
  });

  it('refuses an output column that is not a plain identifier without retrying, naming the column', async () => {
    const dir = path.join(stage.root, 'runs', 'run-cnt', 'output', '0');
    fs.mkdirSync(dir, { recursive: true });
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(`COPY (SELECT 1::BIGINT AS id, count_star() FROM range(3)) TO '${path.join(dir, '000000.parquet')}' (FORMAT parquet)`);
    conn.closeSync();
    db.closeSync();
    const err = await atActivityEdge(() => publish('run-cnt', { table: 'COUNTED', definition: undefined })).catch((e: unknown) => e);
    expect(err).toMatchObject({ nonRetryable: true, type: 'SnowflakeNameError' });
    expect((err as Error).message).toMatch(/"count_star\(\)".*alias/);
  });

  it('unloads each attempt into a folder of its own, so a detached earlier COPY never writes among its files', async () => {
    const folders: string[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const sent = fk.statements.length;
      await wh
        .exportQuery({
          runId: 'run-y',
          sql: 'SELECT ID FROM BI.DEV.FEATURES',
          stage,
          prefix: 'runs/run-y/input',
          fileSizeBytes: 1 << 20,
          useUtc: true,
        })
        .catch(() => {});
      const copy = fk.statements.slice(sent).find((s) => s.sqlText.startsWith('COPY INTO'))!.sqlText;
      folders.push(/^COPY INTO '@BI_STAGE\/(runs\/run-y\/input\/[^']+)\/'/.exec(copy)![1]);
    }
    expect(folders[0]).toMatch(/^runs\/run-y\/input\/attempt-/);
    expect(folders[1]).not.toBe(folders[0]);
  });

  // Last in the file: fakesnow keeps computing the cancelled statement (its abort endpoint only answers).
  it('asks Snowflake to cancel a running statement when its signal aborts, and stops waiting for it', async () => {
    const pool = createSnowflakePool(settings);
    const conn = await pool.acquire();
    try {
      const controller = new AbortController();
      const sent = fk.statements.length;
      const aborts = fk.aborts;
      const running = execute(conn, 'SELECT COUNT(*) AS N FROM range(4000000000)', { signal: controller.signal }).catch((e: unknown) => e);
      // Gate: the relay has the statement, so it is running upstream when the signal aborts.
      await until(async () => (fk.statements.length > sent ? true : undefined), 10_000, 'the statement sent');
      controller.abort();
      expect(await running).toBeInstanceOf(StatementCancelledError);
      await until(async () => (fk.aborts > aborts ? true : undefined), 10_000, 'the abort request');
    } finally {
      await pool.destroy(conn);
      await pool.drain();
      await pool.clear();
    }
  });
});
