// Malformed inputs (issue 11, item 5), each refused with what was wrong and nothing started: wrong types
// named as such (not "required"), a spec above the size a run's input may have, an existing output
// table that cannot take the output (refused in preparing, before any scoring), and over HTTP a forged
// page token, a too-long URL, a "__proto__" key and run errors that would show the worker's folders.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../src/temporal/devServer.js';
import { SpecError } from '../src/spec/errors.js';
import { resolveSpec } from '../src/spec/jobSpec.js';
import { sanitizeMessage } from '../src/doors/http/sanitize.js';
import type { PredictorMap } from '../src/predictors/types.js';
import { linearDemo } from '../src/predictors/linearDemo.js';
import { startApi, type TestApi } from './support/api.js';
import { createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { failureOf } from './support/wait.js';

const BASE = '/api/v1/inference/batch';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const problemsOf = (err: unknown) => Object.fromEntries((err as SpecError).problems.map((p) => [p.field, p.message]));
const specProblems = (raw: unknown) => {
  try {
    resolveSpec(raw, { schema: 'dev', defaultParallelism: 4, maxSplits: 100, readSqlFile: () => '' });
  } catch (err) {
    return problemsOf(err);
  }
  throw new Error('expected a SpecError');
};
/** A spec whose JSON is `bytes` long or more, in a ctx value. */
const bigSpec = (bytes: number) => seedSpec({ ctx: { ds: '2026-02-26', blob: 'x'.repeat(bytes) } });

describe('malformed inputs', () => {
  let h: Harness;
  let api: TestApi;
  const calls: Record<string, number> = {};
  const predictors: PredictorMap = {
    counted: (input, ctx) => {
      calls[ctx.runId] = (calls[ctx.runId] ?? 0) + 1;
      return linearDemo(input);
    },
    // Fails as a file operation does: its message quotes where the worker keeps the run's files.
    leaky: (_input, ctx) => {
      throw new Error(
        `ENOENT: no such file or directory, open '${path.join(h.stage.root, 'runs', ctx.runId, 'output', 'worker-0', 'chunk-0.parquet')}'`,
      );
    },
  };
  let starts: ReturnType<typeof vi.spyOn>;

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 400);
    await h.startWorker({ predictors });
    api = await startApi(h, ['linear-demo', 'counted', 'leaky']);
    // Calls through: only counts the runs that reach Temporal.
    starts = vi.spyOn(h.temporal.workflow, 'start');
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  describe('a field of the wrong type says what was expected and what it got', () => {
    it.each([
      ['parallelWorkers 2.5', { parallelWorkers: 2.5 }, 'parallelWorkers', 'use a whole number, got 2.5'],
      ['parallelWorkers "NaN"', { parallelWorkers: 'NaN' }, 'parallelWorkers', 'expected a number, got the string "NaN"'],
      ['parallelWorkers null', { parallelWorkers: null }, 'parallelWorkers', 'expected a number, got null'],
      ['overwrite "yes"', { overwrite: 'yes' }, 'overwrite', 'expected true or false, got the string "yes"'],
      ['ctx a list', { ctx: ['2026-02-26'] }, 'ctx', 'expected an object, got a list'],
    ])('%s', async (_name, overrides, field, message) => {
      expect(specProblems(seedSpec(overrides))[field]).toBe(message);
      const before = starts.mock.calls.length;
      const refused = await h.client.startBatchInference(seedSpec(overrides)).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(SpecError);
      expect(problemsOf(refused)[field]).toBe(message);
      expect(starts.mock.calls.length).toBe(before);
    });

    it('a top-level array is not an object; a missing predictor or model says how to name one', () => {
      expect(specProblems([seedSpec()])).toEqual({ '(spec)': 'expected an object, got a list' });
      const { predictor: _p, ...withoutPredictor } = seedSpec();
      expect(specProblems(withoutPredictor)).toEqual({
        predictor: 'name what scores the rows: "model": "churn" (a registered model) or "predictor": "linear-demo" (a worker function)',
      });
    });

    it('over HTTP: config.retry_count "NaN" and a top-level array', async () => {
      const body = {
        model_id: 'linear-demo',
        input: { source: 'sql', query: 'SELECT 1 AS id' },
        output: { table_name: 'T' },
        config: { retry_count: 'NaN' },
      };
      const before = starts.mock.calls.length;
      const answer = await api.call('POST', BASE, { body });
      expect(answer).toMatchObject({
        status: 400,
        body: { error: 'invalid_request', problems: [{ field: 'config.retry_count', message: 'expected a number, got the string "NaN"' }] },
      });
      expect((await api.call('POST', BASE, { body: [body] })).body.problems).toEqual([{ field: '(body)', message: 'send a JSON object' }]);
      expect(starts.mock.calls.length).toBe(before);
    });
  });

  describe('a spec above 1 MiB is refused before anything reaches Temporal', () => {
    it('by the client, naming the limit', async () => {
      const before = starts.mock.calls.length;
      const refused = await h.client.startBatchInference(bigSpec(1_100_000)).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(SpecError);
      expect(problemsOf(refused)['(spec)']).toMatch(/^the spec is 1\.0 MiB as JSON, above the limit of 1 MiB \(1048576 bytes\)/);
      expect(starts.mock.calls.length).toBe(before);
    });

    it('a spec just under the limit runs: Temporal takes it in every place the run carries it', async () => {
      const spec = bigSpec(1_040_000);
      expect(Buffer.byteLength(JSON.stringify(spec))).toBeLessThanOrEqual(1024 * 1024);
      const { runId } = await h.client.startBatchInference({ ...spec, outputTableName: 'NEAR_LIMIT' });
      expect((await h.client.waitForResult(runId)).rowsOut).toBe(200);
    });

    it('by the CLI: exit 2 at once, without reaching a server', async () => {
      const file = path.join(h.dir, 'big.json');
      fs.writeFileSync(file, JSON.stringify(bigSpec(3_000_000)));
      // A port nobody listens on: had the CLI tried to start the run, it would fail on the connection instead.
      const unused = await freePort();
      const started = Date.now();
      const result = await runCli(['run', file], { TEMPORAL_ADDRESS: `127.0.0.1:${unused}`, BATCH_DATA_DIR: path.join(h.dir, 'cli-data') });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('(spec): the spec is 2.9 MiB as JSON, above the limit of 1 MiB (1048576 bytes)');
      expect(result.stderr).not.toMatch(/ServiceError|ECONNREFUSED|at .*\.ts:\d+/);
      expect(Date.now() - started).toBeLessThan(30_000);
    });

    it('over HTTP: 413 naming the limit, in the shape of every other error', async () => {
      const before = starts.mock.calls.length;
      const answer = await api.call('POST', BASE, { body: bigSpec(1_100_000) });
      const message =
        'The body is above the limit of 1048576 bytes (1 MiB) for a job; keep large SQL in the warehouse (a view or table) and large values out of input.params';
      expect(answer).toEqual({ status: 413, body: { error: 'payload_too_large', message, problems: [{ field: '(body)', message }] } });
      expect(starts.mock.calls.length).toBe(before);
    });
  });

  describe('an existing output table that cannot take the output fails in preparing, before any scoring', () => {
    const definition = [
      ['id', 'NUMBER'],
      ['score', 'FLOAT'],
      ['label', 'NUMBER'],
    ];

    it.each([
      [
        'lacks a column',
        'LACKS_LABEL',
        'id BIGINT, score DOUBLE',
        'Table LACKS_LABEL has no column "label" (outputTableDefinition has it as NUMBER); add the column to the table (ALTER TABLE LACKS_LABEL ADD COLUMN label ...), drop the table so the run creates it, or publish to another outputTableName',
      ],
      [
        'has a column of another kind',
        'SCORE_IS_DATE',
        'id BIGINT, score DATE, label BIGINT',
        'Table SCORE_IS_DATE has column "score" as DATE, which cannot hold FLOAT (outputTableDefinition); change the column\'s type in the table or in outputTableDefinition, drop the table so the run creates it, or publish to another outputTableName',
      ],
    ])('%s', async (_name, table, columns, message) => {
      await h.sql(`CREATE TABLE ${table} (${columns})`);
      await h.sql(`INSERT INTO ${table} (id) VALUES (42)`);
      const { runId } = await h.client.startBatchInference(
        seedSpec({ predictor: 'counted', outputTableName: table, outputTableDefinition: definition, parallelWorkers: 1 }),
      );
      const failure = await failureOf(h.client.waitForResult(runId));
      expect(failure).toEqual({ type: 'OutputTableMismatchError', message });
      expect(await h.client.getProgress(runId)).toMatchObject({ state: 'failed', totalRows: null, chunksDone: 0, error: message });
      expect(calls[runId]).toBeUndefined(); // the predictor never ran
      expect(fs.existsSync(path.join(h.stage.root, 'runs', runId, 'input'))).toBe(false); // nor did the export
      expect(await h.sql(`SELECT id FROM ${table}`)).toEqual([{ id: 42n }]);
    });

    it('a table that takes the output (wider types, an extra column) is published to', async () => {
      await h.sql('CREATE TABLE WIDER (id DOUBLE, score DOUBLE, label VARCHAR, note VARCHAR)');
      const { runId } = await h.client.startBatchInference(
        seedSpec({ predictor: 'counted', outputTableName: 'WIDER', outputTableDefinition: definition, parallelWorkers: 1 }),
      );
      expect((await h.client.waitForResult(runId)).rowsOut).toBe(200);
    });
  });

  describe('HTTP', () => {
    it('a forged page token with a garbage cursor is refused at once', async () => {
      const forged = Buffer.from(
        JSON.stringify({ v: 1, tenant: 'tenantA', status: null, cursor: Buffer.from('garbage cursor bytes').toString('base64') }),
      ).toString('base64url');
      const started = Date.now();
      const answer = await api.call('GET', `${BASE}?page_token=${forged}`);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(answer).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          message:
            'The request has 1 problem: page_token: not a token this API returned for this filter; pass next_page_token unchanged, with the same status',
          problems: [
            {
              field: 'page_token',
              message: 'not a token this API returned for this filter; pass next_page_token unchanged, with the same status',
            },
          ],
        },
      });
    });

    it('a too-long URL is answered in the shape of every other error', async () => {
      const answer = await api.call('GET', `${BASE}/${'a'.repeat(201)}`);
      const message =
        'The URL is too long: a path parameter (job_id, schedule_id) has at most 200 characters; use an id as the API returned it';
      expect(answer).toEqual({ status: 414, body: { error: 'uri_too_long', message, problems: [{ field: '(url)', message }] } });
      // The longest id jobIdSchema accepts still reaches the route.
      expect((await api.call('GET', `${BASE}/${'a'.repeat(200)}`)).body).toEqual({
        error: 'not_found',
        message: `No job ${'a'.repeat(200)}`,
      });
    });

    it('a "__proto__" key is reported as what it is, where it is', async () => {
      const before = starts.mock.calls.length;
      const raw =
        '{"model_id":"linear-demo","input":{"source":"sql","query":"SELECT 1 AS id","__proto__":{"polluted":true}},"output":{"table_name":"T"}}';
      const answer = await api.call('POST', BASE, { raw });
      expect(answer.status).toBe(400);
      expect(answer.body.problems).toEqual([
        { field: 'input.__proto__', message: '"__proto__" is not allowed as a key (it names an object\'s prototype); remove or rename it' },
      ]);
      expect(answer.body.message).not.toMatch(/not valid JSON/);
      expect((await api.call('POST', BASE, { raw: '{"model_id": ' })).body.problems[0].message).toMatch(/^not valid JSON: /);
      expect(starts.mock.calls.length).toBe(before);
    });

    it.each([
      ["open '/var/lib/bi/stage/runs/bi-1/output/0/000001.parquet'", "open '<path>'"],
      ['IO Error: cannot read s3://bucket/prefix/runs/bi-1/input/data_0.parquet', 'IO Error: cannot read <stage>'],
      ['no such key runs/bi-1/output/0/000001.parquet', 'no such key <stage file>'],
      ['C:\\data\\stage\\x.parquet is locked', '<path> is locked'],
      // Kept: dates, relative phrases and single words after a slash.
      ["ds = '2026/02/26' and input/output in /etc", "ds = '2026/02/26' and input/output in /etc"],
    ])('sanitizes %j', (message, expected) => expect(sanitizeMessage(message)).toBe(expected));

    it("a run's error does not show the worker's folders or the stage's layout", async () => {
      const body = {
        model_id: 'leaky',
        input: { source: 'sql', query: "SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE ds = '2026-02-26'" },
        output: { table_name: 'LEAKY' },
        config: { retry_count: 0, parallelism: 1 },
      };
      const { job_id: jobId } = (await api.call('POST', BASE, { body })).body;
      await failureOf(h.client.waitForResult(jobId));
      const internal = (await h.client.getProgress(jobId)).error!;
      expect(internal).toContain(h.stage.root); // the worker's own view keeps it, for its operator
      const job = (await api.call('GET', `${BASE}/${jobId}`)).body;
      expect(job.status).toBe('failed');
      expect(job.error).toContain('ENOENT: no such file or directory');
      expect(job.error).not.toContain(h.dir);
      expect(job.error).not.toMatch(/runs\/|\/tmp\//);
    });
  });
});

/** The real CLI in its own process group (node, not npx); the group is killed if it outlives the test. */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'batch-inference.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(killer);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group has already gone
      }
      resolve({ code, stdout, stderr });
    });
  });
}
