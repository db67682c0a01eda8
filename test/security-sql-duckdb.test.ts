// Issue 11 item 1 on DuckDB: user SQL is exactly one read-only statement (DuckDB's parser decides),
// runs where it cannot touch host files, ctx values are values, and .sql files stay in their folder.
// Each case checks the exact refusal and that nothing was read, written or started.
import { WorkflowFailedError } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxProfile } from '../src/adapters/warehouse/duckdb/duckdbSandbox.js';
import { SpecError } from '../src/spec/errors.js';
import { QueryRefusedError } from '../src/adapters/warehouse/errors.js';
import { WORKFLOW_TYPE } from '../src/workflows/run/contract.js';
import { createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';

describe('SQL boundary on DuckDB', () => {
  let h: Harness;
  let outside: string;
  const tables = async () =>
    (await h.sql<{ t: string }>(`SELECT schema_name || '.' || table_name AS t FROM duckdb_tables() ORDER BY 1`)).map((r) => r.t);
  const stageFiles = () =>
    fs.existsSync(h.stage.root)
      ? fs
          .readdirSync(h.stage.root, { recursive: true })
          .map(String)
          .filter((f) => f.endsWith('.parquet'))
      : [];

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 2_000);
    outside = path.join(h.dir, 'outside');
    fs.mkdirSync(outside);
    await h.startWorker();
  });
  afterAll(() => h?.close());

  describe('SQL that closes the parenthesis we wrap it in', () => {
    // Invalid alone, valid once wrapped: "… FROM (<sql>) AS input_rows" would run the statements it appends.
    const breakout = `SELECT 1) AS a) ; DROP TABLE dev.model_features; CREATE TABLE dev.pwned AS SELECT 42 x; SELECT * FROM (SELECT * FROM (SELECT 1`;

    it('cannot append statements to a count or a sensor query', async () => {
      const before = await tables();
      const err = await h.warehouse.query(`SELECT count(*) AS n FROM (\n${breakout}\n) AS input_rows`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QueryRefusedError);
      expect((err as Error).message).toMatch(/^query: the warehouse parsed [2-9] statements/);
      expect(await tables()).toEqual(before);
    });

    it('cannot append statements to the export', async () => {
      const before = await tables();
      const err = await h.warehouse
        .exportQuery({
          runId: 'breakout',
          sql: breakout,
          stage: h.stage,
          prefix: 'runs/breakout/input',
          fileSizeBytes: 1 << 20,
          useUtc: true,
        })
        .catch((e: unknown) => e);
      expect(['QueryRefusedError', 'QueryError']).toContain((err as Error).name);
      expect(await tables()).toEqual(before);
    });

    it('a trailing line comment in the query does not swallow the closing parenthesis', async () => {
      expect(await h.warehouse.query('SELECT 7 AS n -- the answer')).toEqual([{ n: 7 }]);
    });
  });

  describe('exactly one read-only statement, by the parser', () => {
    it.each([
      ['SELECT 1 AS x; DROP TABLE dev.model_features', '2 statements'],
      ['INSERT INTO dev.model_features SELECT * FROM dev.model_features', 'an INSERT statement'],
      ['DELETE FROM dev.model_features', 'a DELETE statement'],
      [`ATTACH '/tmp/bi-other.duckdb' AS other`, 'an ATTACH statement'],
      ['INSTALL httpfs', 'a LOAD statement'],
      ['LOAD httpfs', 'a LOAD statement'],
      ['SET enable_external_access = true', 'a SET statement'],
      ['CREATE TABLE dev.made AS SELECT 1', 'a CREATE statement'],
      ['-- only a comment', '0 statements'],
    ])('refuses %s', async (sql, found) => {
      const before = await tables();
      const err = await h.warehouse.checkReadOnlyQuery(sql).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QueryRefusedError);
      expect((err as QueryRefusedError).message).toBe(
        `inputQuery: the warehouse parsed ${found}; give exactly one read-only statement (SELECT or WITH … SELECT), without a trailing second statement`,
      );
      expect(await tables()).toEqual(before);
      expect(fs.existsSync('/tmp/bi-leak.csv')).toBe(false);
    });

    it('a COPY is refused while DuckDB binds it, by the sandbox: nothing written', async () => {
      await expect(h.warehouse.checkReadOnlyQuery(`COPY dev.model_features TO '/tmp/bi-leak.csv'`)).rejects.toThrow(
        'Permission Error: Cannot access file "/tmp/bi-leak.csv" - file system operations are disabled by configuration',
      );
      expect(fs.existsSync('/tmp/bi-leak.csv')).toBe(false);
    });

    it("a parser error is DuckDB's own, not retried", async () => {
      const err = await h.warehouse.checkReadOnlyQuery('SELEC 1').catch((e: unknown) => e);
      expect((err as Error).name).toBe('QueryError');
      expect((err as Error).message).toMatch(/^DuckDB rejected the statement: Parser Error: syntax error at or near "SELEC"/);
    });

    it('accepts one SELECT, WITH … SELECT and a trailing semicolon', async () => {
      await h.warehouse.checkReadOnlyQuery('SELECT id FROM dev.model_features');
      await h.warehouse.checkReadOnlyQuery('WITH x AS (SELECT 1 AS a) SELECT * FROM x;');
    });

    it('a run whose query is two statements fails in preparing, naming inputQuery; nothing exported or written', async () => {
      const before = await tables();
      // Started as the Temporal CLI would, past the client: the worker is the one that refuses.
      const handle = await h.temporal.workflow.start(WORKFLOW_TYPE, {
        taskQueue: h.taskQueue,
        workflowId: `two-statements-${Date.now()}`,
        args: [
          seedSpec({
            inputQuery: 'SELECT id, feature_1, feature_2 FROM dev.model_features; CREATE TABLE dev.pwned AS SELECT 1 AS x',
            ctx: {},
            outputTableName: 'dev.never',
          }),
        ],
      });
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(String((err as WorkflowFailedError).cause?.message)).toBe(
        'inputQuery: the warehouse parsed 2 statements; give exactly one read-only statement (SELECT or WITH … SELECT), without a trailing second statement',
      );
      expect(await tables()).toEqual(before);
      expect(stageFiles()).toEqual([]);
    });
  });

  describe('no host access from user SQL', () => {
    it("an input reading /etc/passwd fails in preparing with DuckDB's permission error; nothing read or staged", async () => {
      const { runId } = await h.client.startBatchInference(
        seedSpec({
          inputQuery: "SELECT * FROM read_csv('/etc/passwd', sep = ':', header = false)",
          ctx: {},
          outputTableName: 'dev.passwd_copy',
        }),
      );
      const err = await h.client.waitForResult(runId).catch((e: unknown) => e);
      const message = String((err as WorkflowFailedError).cause?.message);
      expect(message).toMatch(
        /^DuckDB rejected the statement: Permission Error: Cannot access file "\/etc\/passwd" - file system operations are disabled by configuration/,
      );
      expect(message).not.toMatch(/root:/);
      expect(await tables()).not.toContain('main.passwd_copy');
      expect(stageFiles()).toEqual([]);
    });

    it.each([
      ["SELECT * FROM read_text('/etc/hostname')", '/etc/hostname'],
      ["SELECT * FROM glob('/etc/*')", '/etc/*'],
      ["SELECT * FROM read_parquet('OUTSIDE/x.parquet')", 'OUTSIDE/x.parquet'],
    ])('the sandboxed query refuses %s', async (sql, file) => {
      const real = sql.replace('OUTSIDE', outside);
      await expect(h.warehouse.query(real)).rejects.toThrow(`Permission Error: Cannot access file "${file.replace('OUTSIDE', outside)}"`);
    });

    it.each([
      [`COPY (SELECT 1) TO 'OUTSIDE/x.csv'`, 'Permission Error: Cannot access file "OUTSIDE/x.csv"'],
      [`ATTACH 'OUTSIDE/other.duckdb' AS other`, 'Permission Error: Cannot access file "OUTSIDE/other.duckdb"'],
      ['INSTALL httpfs', 'Permission Error: Cannot access directory'],
      ['LOAD httpfs', 'Permission Error: Loading external extensions is disabled through configuration'],
      [
        'SET enable_external_access = true',
        'Invalid Input Error: Cannot change configuration option "enable_external_access" - the configuration has been locked',
      ],
      [
        "SET allowed_directories = ['/']",
        'Invalid Input Error: Cannot change configuration option "allowed_directories" - the configuration has been locked',
      ],
    ])('even past the parser check, the sandbox refuses %s', async (sql, expected) => {
      const writeDir = path.join(h.dir, 'export-folder');
      fs.mkdirSync(writeDir, { recursive: true });
      const run = h.warehouse.withConnection(
        (conn) => conn.run(sql.replace('OUTSIDE', outside)),
        sandboxProfile({ useUtc: true, writeDir }),
      );
      await expect(run).rejects.toThrow(expected.replace('OUTSIDE', outside));
      expect(fs.readdirSync(outside)).toEqual([]);
    });

    it("the warehouse's own bookkeeping still reads the stage: a run completes and publishes", async () => {
      const { runId } = await h.client.startBatchInference(seedSpec({ outputTableName: 'dev.sandbox_ok', parallelWorkers: 1 }));
      const summary = await h.client.waitForResult(runId);
      expect(summary).toMatchObject({ state: 'completed', rowsIn: 1_000, rowsOut: 1_000 });
    });
  });

  describe('ctx values are values', () => {
    it.each([
      ["2026-02-26') TO '/tmp/bi-x.csv'; CREATE TABLE pwned AS SELECT 1; COPY (SELECT 1", "a single quote (')"],
      ['2026; DROP TABLE x', 'a semicolon (;)'],
      ['a -- rest', 'a comment marker (--)'],
      ['a /* c', 'a comment marker (/*)'],
      ['a\\b', 'a backslash (\\)'],
      ['a"b', 'a double quote (")'],
      ['a\nb', 'a control character'],
    ])('refuses %j before anything starts', async (value, what) => {
      const starts = (await h.temporal.workflow.count(`TaskQueue = '${h.taskQueue}'`).catch(() => null))?.count;
      const err = await h.client.startBatchInference(seedSpec({ ctx: { ds: value } })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SpecError);
      expect((err as SpecError).problems).toEqual([
        {
          field: 'ctx.ds',
          message: `the value holds ${what}, which could end a string literal or a statement; ctx values are pasted into the SQL as they are: pass a plain value and write the quotes in inputQuery (WHERE ds = '{ds}'); for a table or column name write the placeholder inside double quotes ("{table}")`,
        },
      ]);
      if (starts !== undefined && starts !== null)
        expect((await h.temporal.workflow.count(`TaskQueue = '${h.taskQueue}'`)).count).toBe(starts);
      expect(fs.existsSync('/tmp/bi-x.csv')).toBe(false);
    });
  });

  describe(".sql files stay inside the spec's folder", () => {
    const secret = 'SELECT 1 AS top_secret_content';
    let specDir: string;
    beforeAll(() => {
      specDir = path.join(h.dir, 'specs');
      fs.mkdirSync(path.join(specDir, 'sub'), { recursive: true });
      fs.writeFileSync(path.join(outside, 'secret.sql'), secret);
      fs.writeFileSync(path.join(specDir, 'sub', 'ok.sql'), 'SELECT id, feature_1, feature_2 FROM {schema}.model_features');
      fs.symlinkSync(path.join(outside, 'secret.sql'), path.join(specDir, 'link.sql'));
    });

    it.each([
      ['ABS', 'an absolute path is not allowed'],
      ['../outside/secret.sql', '".." is not allowed'],
      ['link.sql', 'it leads out of'],
      ['missing.sql', 'no such file in'],
    ])('refuses %s, without its content in the message', async (name, reason) => {
      const inputQuery = name === 'ABS' ? path.join(outside, 'secret.sql') : name;
      const err = await h.client.startBatchInference(seedSpec({ inputQuery, ctx: {} }), { baseDir: specDir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SpecError);
      const [problem] = (err as SpecError).problems;
      expect(problem.field).toBe('inputQuery');
      expect(problem.message).toContain(`cannot read SQL file "${inputQuery}": ${reason}`);
      expect((err as Error).message).not.toContain('top_secret_content');
    });

    it('reads a file below the folder', async () => {
      const { runId } = await h.client.startBatchInference(
        seedSpec({ inputQuery: 'sub/ok.sql', ctx: {}, outputTableName: 'dev.from_file', parallelWorkers: 1 }),
        { baseDir: specDir },
      );
      expect(await h.client.waitForResult(runId)).toMatchObject({ state: 'completed', rowsIn: 2_000 });
    });
  });
});
