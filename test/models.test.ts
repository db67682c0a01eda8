// Registered models end to end: real scikit-learn models exported with skl2onnx, registered through the
// real CLI, scored through the whole pipeline on DuckDB, and compared row by row with scikit-learn's own
// predict / predict_proba. Also: latest-version resolution and its record, immutability, unknown
// names, missing input columns, a corrupted artifact, a JS model, and delete while a run uses a version.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchInferenceClient } from '../src/client.js';
import { cliEnv, runCli } from './support/cli.js';
import { createHarness, type Harness } from './support/harness.js';
import { differences, loadFeatures, readParquet, trainedModels } from './support/models.js';
import { failureOf, until } from './support/wait.js';
import { startApi, TOKEN_A, TOKEN_B, TOKEN_DEFAULT } from './support/api.js';

describe('registered models', () => {
  let h: Harness;
  let fx: string;
  let env: NodeJS.ProcessEnv;
  const cli = async (...args: string[]) => runCli(['models', ...args], env);
  const spec = (model: unknown, overrides: Record<string, unknown> = {}) => ({
    inputQuery: 'SELECT id, f1, f2, f3, f4 FROM dev.model_inputs',
    model,
    outputTableName: `OUT_${randomUUID().slice(0, 8)}`,
    includeInputColumns: true,
    batchRows: 700, // several record batches per chunk
    parallelWorkers: 2,
    ...overrides,
  });
  const score = async (model: unknown, overrides: Record<string, unknown> = {}) => {
    const s = spec(model, overrides);
    const { runId } = await h.client.startBatchInference(s);
    const summary = await h.client.waitForResult(runId);
    return { runId, summary, rows: await h.sql(`SELECT * FROM ${s.outputTableName} ORDER BY id`) };
  };

  const writeSpec = (body: unknown) => {
    const file = path.join(h.dir, `spec-${randomUUID().slice(0, 8)}.json`);
    fs.writeFileSync(file, JSON.stringify(body));
    return file;
  };

  beforeAll(async () => {
    fx = trainedModels();
    h = await createHarness();
    env = cliEnv(h);
    await loadFeatures(h, fx);
    await h.startWorker();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('scores a StandardScaler + LogisticRegression pipeline exactly as scikit-learn does, label and probabilities', async () => {
    const reg = await cli('register', 'churn', path.join(fx, 'lr.onnx'), '--description', 'logistic regression');
    expect(reg, reg.stderr).toMatchObject({ code: 0 });
    expect(reg.stdout).toMatch(/Registered churn@1 \(onnx/);
    const show = await cli('show', 'churn', '--json');
    const shown = JSON.parse(show.stdout);
    expect(shown.functions.map((f: { name: string }) => f.name)).toEqual(['predict', 'predict_proba']);
    expect(shown.functions[1].outputs.map((o: { name: string }) => o.name)).toEqual(['proba_0', 'proba_1']);

    const expected = await readParquet(path.join(fx, 'expected_lr.parquet'));
    // The LR pipeline has no imputer: it scores the rows without NULLs.
    const where = { inputQuery: 'SELECT id, f1, f2, f3, f4 FROM dev.model_inputs WHERE f2 IS NOT NULL AND f3 IS NOT NULL' };
    const labels = await score('churn', where);
    expect(labels.summary.model).toEqual({ name: 'churn', version: 1, function: 'predict', kind: 'onnx', sha256: shown.artifact.sha256 });
    expect(differences(expected, labels.rows, ['label'])).toEqual({ missing: 0, extra: 0, wrong: [] });
    const probas = await score({ name: 'churn', version: 1, function: 'predict_proba' }, where);
    expect(differences(expected, probas.rows, ['proba_0', 'proba_1'])).toEqual({ missing: 0, extra: 0, wrong: [] });
    expect(probas.rows).toHaveLength(expected.length);
  });

  it('scores a SimpleImputer + RandomForest pipeline on rows with NULLs (NULL reaches the model as NaN)', async () => {
    const reg = await cli('register', 'forest', path.join(fx, 'rf.onnx'));
    expect(reg, reg.stderr).toMatchObject({ code: 0 });
    const expected = await readParquet(path.join(fx, 'expected_rf.parquet'));
    const labels = await score('forest@1');
    expect(labels.rows.some((r) => r.f2 === null)).toBe(true);
    expect(differences(expected, labels.rows, ['label'])).toEqual({ missing: 0, extra: 0, wrong: [] });
    const probas = await score({ name: 'forest', function: 'predict_proba' });
    expect(differences(expected, probas.rows, ['proba_0', 'proba_1', 'proba_2'])).toEqual({ missing: 0, extra: 0, wrong: [] });
  });

  it('resolves the latest version once at the start and records it in the summary, status and memo', async () => {
    expect((await cli('register', 'latest', path.join(fx, 'lr.onnx'))).code).toBe(0);
    expect((await cli('register', 'latest', path.join(fx, 'rf.onnx'))).stdout).toMatch(/Registered latest@2/);
    const { runId, summary } = await score('latest', { inputQuery: 'SELECT id, f1, f2, f3, f4 FROM dev.model_inputs LIMIT 50' });
    const v2 = JSON.parse((await cli('show', 'latest@2', '--json')).stdout);
    expect(summary.model).toEqual({ name: 'latest', version: 2, function: 'predict', kind: 'onnx', sha256: v2.artifact.sha256 });
    const run = await h.client.describeRun(runId);
    expect(run.memo).toMatchObject({ modelRef: 'latest', model: { name: 'latest', version: 2, sha256: v2.artifact.sha256 } });
    const status = await runCli(['status', runId, '--json'], env);
    expect(JSON.parse(status.stdout).model).toMatchObject({ name: 'latest', version: 2 });
  });

  it('keeps versions immutable: the same bytes change nothing, other bytes under a taken version are refused', async () => {
    expect((await cli('register', 'fixed', path.join(fx, 'lr.onnx'), '--version', '3')).stdout).toMatch(/Registered fixed@3/);
    const again = await cli('register', 'fixed', path.join(fx, 'lr.onnx'), '--version', '3');
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toMatch(/Already registered \(same bytes\) fixed@3/);
    const other = await cli('register', 'fixed', path.join(fx, 'rf.onnx'), '--version', '3');
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/fixed@3 is already registered with other bytes.*immutable/);
    const listed = JSON.parse((await cli('list', '--json')).stdout);
    expect(listed.find((m: { name: string }) => m.name === 'fixed')).toMatchObject({ versions: [3], latest: 3 });
  });

  it('refuses a ZipMap classifier and a model name that tries to leave the registry folder', async () => {
    const zip = await cli('register', 'zipped', path.join(fx, 'lr_zipmap.onnx'));
    expect(zip.code).toBe(2);
    expect(zip.stderr).toMatch(/ZipMap.*'zipmap': False/);
    for (const name of ['../escape', 'a/b', '..', '.hidden']) {
      const r = await cli('register', name, path.join(fx, 'lr.onnx'));
      expect(r.code, name).toBe(2);
      expect(r.stderr).toMatch(/no "\/", no "\.\."/);
    }
    expect(fs.existsSync(path.join(h.stage.root, 'escape'))).toBe(false);
    expect(fs.readdirSync(path.join(h.stage.root, 'models')).sort()).not.toContain('..');
  });

  it('refuses an unknown model, version or function at the start (and in the run, if it got past), naming what exists', async () => {
    const start = (model: unknown) => h.client.startBatchInference(spec(model));
    await expect(start('nosuch')).rejects.toThrow(/model: unknown model "nosuch"; registered models: .*churn/);
    await expect(start('churn@9')).rejects.toThrow(/model: model "churn" has no version 9; its versions: 1/);
    await expect(start({ name: 'churn', function: 'explain' })).rejects.toThrow(
      /no function "explain"; its functions: predict, predict_proba/,
    );
    const cliRun = await runCli(['run', writeSpec(spec('nosuch'))], env);
    expect(cliRun.code).toBe(2);
    expect(cliRun.stderr).toMatch(/unknown model "nosuch"/);
    // Started past the client (or deleted after the start): the run resolves again and fails in preparing.
    const runId = `bi-unknown-${randomUUID().slice(0, 8)}`;
    await h.temporal.workflow.start('batchInference', { taskQueue: h.taskQueue, workflowId: runId, args: [spec('churn@9')] });
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure).toMatchObject({ type: 'UnknownModelVersionError' });
    expect(failure.message).toMatch(/its versions: 1/);
  });

  it('lists and shows models over HTTP, read-only, for any tenant', async () => {
    const api = await startApi(h, []);
    try {
      const list = await api.call('GET', '/api/v1/models', { token: TOKEN_A });
      expect(list.status).toBe(200);
      expect(list.body.models.map((m: { name: string }) => m.name)).toContain('churn');
      const show = await api.call('GET', '/api/v1/models/churn@1', { token: TOKEN_B });
      expect(show).toMatchObject({ status: 200, body: { name: 'churn', version: 1, kind: 'onnx' } });
      expect((await api.call('GET', '/api/v1/models/nosuch', { token: TOKEN_A })).status).toBe(404);
      expect((await api.call('GET', '/api/v1/models/..%2Fetc', { token: TOKEN_A })).status).toBe(400);
      expect((await api.call('GET', '/api/v1/models', { token: null })).status).toBe(401);
      expect((await api.call('DELETE', '/api/v1/models/churn@1', { token: TOKEN_A })).status).toBe(404);
      // A seed-shaped request with model_id name@version scores with the registered model.
      // A seed-shaped request: model_id, a SQL input, a table to write.
      const submit = (
        modelId: string,
        table: string,
        query = 'SELECT id, f1, f2, f3, f4 FROM dev.model_inputs WHERE f2 IS NOT NULL AND f3 IS NOT NULL LIMIT 10',
      ) =>
        api.call('POST', '/api/v1/inference/batch', {
          token: TOKEN_DEFAULT,
          body: { model_id: modelId, input: { source: 'sql', query }, output: { destination: 'table', table_name: table } },
        });
      const submitted = await submit('churn@1', 'HTTP_SCORES');
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
      await h.client.waitForResult(submitted.body.job_id);
      const job = await api.call('GET', `/api/v1/inference/batch/${submitted.body.job_id}`, { token: TOKEN_DEFAULT });
      expect(job.body).toMatchObject({ model_id: 'churn@1', model: { name: 'churn', version: 1, function: 'predict' } });
      // An unknown model or version is the caller's mistake: 400 naming model_id and what exists, not a 500.
      // A bare model_id that no worker predictor has names the registered model's latest version.
      const bare = await submit('churn', 'HTTP_SCORES_BARE');
      expect(bare.status, JSON.stringify(bare.body)).toBe(202);
      await h.client.waitForResult(bare.body.job_id);
      const bareJob = await api.call('GET', `/api/v1/inference/batch/${bare.body.job_id}`, { token: TOKEN_DEFAULT });
      expect(bareJob.body.model).toMatchObject({ name: 'churn', function: 'predict' });
      for (const modelId of ['nosuch@1', 'churn@99', 'nosuch']) {
        const refused = await submit(modelId, 'HTTP_SCORES_NONE', 'SELECT id, f1, f2, f3, f4 FROM dev.model_inputs LIMIT 10');
        expect(refused.status, JSON.stringify(refused.body)).toBe(400);
        expect(JSON.stringify(refused.body)).toContain('model_id');
      }
    } finally {
      await api.close();
    }
  });

  it('fails in preparing when the query lacks input columns, naming them, before anything is exported', async () => {
    expect((await cli('register', 'needs', path.join(fx, 'lr.onnx'))).code).toBe(0);
    const { runId } = await h.client.startBatchInference(spec('needs@1', { inputQuery: 'SELECT id, f1, f4 FROM dev.model_inputs' }));
    const failure = await failureOf(h.client.waitForResult(runId));
    const message =
      'model needs@1 function predict needs input columns the query does not return: f2, f3 (the query returns: id, f1, f4); select them in inputQuery';
    expect(failure).toEqual({ type: 'MissingInputColumnsError', message });
    expect(await h.client.getProgress(runId)).toMatchObject({ state: 'failed', totalRows: null, chunksDone: 0, error: message });
    const timeline = await h.client.runTimeline(runId);
    expect(timeline.phases.map((p) => p.state)).toEqual(['submitted', 'preparing', 'failed']);
    // Non-retryable, and nothing after it: no export, no slices.
    expect(timeline.steps.map((s) => [s.name, s.attempts])).toEqual([['prepareRun', 1]]);
    expect(timeline.slices).toEqual([]);
    expect(fs.existsSync(path.join(h.stage.root, 'runs', runId))).toBe(false);

    // The named function's inputs are the ones checked, matched without regard to case (as scoring binds them).
    const proba = await h.client.startBatchInference(
      spec({ name: 'needs', function: 'predict_proba' }, { inputQuery: 'SELECT id, f1 AS F1, f2 AS F2, f3 AS F3 FROM dev.model_inputs' }),
    );
    expect(await failureOf(h.client.waitForResult(proba.runId))).toMatchObject({
      message: expect.stringMatching(
        /^model needs@1 function predict_proba needs input columns the query does not return: f4 \(the query returns: id, F1, F2, F3\)/,
      ),
    });
  });

  it('refuses a non-numeric input column rather than scoring NaN', async () => {
    const { runId } = await h.client.startBatchInference(
      spec('churn@1', { inputQuery: "SELECT id, f1, 'x' || f2::VARCHAR AS f2, f3, f4 FROM dev.model_inputs" }),
    );
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('ModelInputTypeError');
    expect(failure.message).toMatch(/input column f2 is Utf8; cast it in inputQuery/);
  });

  it('fails a run non-retryably naming model and version when the artifact was changed on the stage', async () => {
    expect((await cli('register', 'damaged', path.join(fx, 'lr.onnx'))).code).toBe(0);
    const m = JSON.parse((await cli('show', 'damaged', '--json')).stdout);
    fs.appendFileSync(path.join(h.stage.root, 'models', 'damaged', '1', m.artifact.file), Buffer.from([0]));
    const { runId } = await h.client.startBatchInference(spec('damaged'));
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('CorruptModelError');
    expect(failure.message).toMatch(/model damaged@1: the artifact's sha256 is .* not the registered/);
  });

  it('scores with a registered JS module model in a predictor thread', async () => {
    const file = path.join(h.dir, 'doubler.mjs');
    fs.writeFileSync(
      file,
      `export function doubled(table) {
         const f1 = table.getChild('f1');
         const out = new Float64Array(table.numRows);
         for (let i = 0; i < table.numRows; i++) out[i] = 2 * (f1.get(i) ?? 0);
         return { doubled: out };
       }\n`,
    );
    const reg = await cli('register', 'js_doubler', file);
    expect(reg, reg.stderr).toMatchObject({ code: 0 });
    expect(reg.stdout).toMatch(/js_doubler@1 \(js/);
    const { summary, rows } = await score('js_doubler', { inputQuery: 'SELECT id, f1 FROM dev.model_inputs WHERE id < 100' });
    expect(summary.model).toMatchObject({ name: 'js_doubler', version: 1, function: 'doubled', kind: 'js' });
    expect(rows).toHaveLength(100);
    for (const r of rows) expect(r.doubled).toBeCloseTo(2 * ((r.f1 as number | null) ?? 0), 12);
  });

  it('refuses to delete a version an open run uses, and deletes it once the run is gone', async () => {
    expect((await cli('register', 'busy', path.join(fx, 'lr.onnx'))).code).toBe(0);
    // A run on a queue no worker polls stays open (submitted) for as long as the test wants: no race.
    const idleQueue = `idle-${randomUUID()}`;
    const idle = new BatchInferenceClient(h.temporal, { ...h.config, temporal: { ...h.config.temporal, taskQueue: idleQueue } });
    const { runId } = await idle.startBatchInference(spec('busy@1'));
    await until(async () => {
      for await (const w of h.temporal.workflow.list({ query: `WorkflowId = '${runId}'` })) return w;
      return undefined;
    });
    const refused = await runCli(['models', 'delete', 'busy@1'], { ...env, TEMPORAL_TASK_QUEUE: idleQueue });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`busy@1 is used by open runs: ${runId}`);
    await h.temporal.workflow.getHandle(runId).terminate('test');
    await until(async () => {
      const open = [];
      for await (const w of h.temporal.workflow.list({ query: `WorkflowId = '${runId}' AND ExecutionStatus = 'Running'` })) open.push(w);
      return open.length ? undefined : true;
    });
    const deleted = await runCli(['models', 'delete', 'busy@1'], { ...env, TEMPORAL_TASK_QUEUE: idleQueue });
    expect(deleted, deleted.stderr).toMatchObject({ code: 0 });
    const gone = await cli('show', 'busy@1');
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/unknown model "busy"/);
  });
});
