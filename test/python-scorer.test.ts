// Python models at scorer level (issue 13), with the real python3 and its pandas, pyarrow and
// scikit-learn: the seed's predict_fn as written, a joblib model, and every failure the issue names.
// Nothing waits on time: a model that must be "in the middle of a batch" writes a file and then waits
// for the test's gate file, and the test acts once it sees the first file.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CancelledFailure } from '@temporalio/activity';
import * as arrow from 'apache-arrow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NonRetryableError } from '../src/nonRetryableError.js';
import { PredictorOutputError, PredictorTimeoutError } from '../src/predictors/errors.js';
import { describePythonModel } from '../src/predictors/python/describe.js';
import {
  PythonFunctionNotFoundError,
  PythonImportError,
  PythonModelError,
  PythonModelPathError,
  PythonNotFoundError,
  PythonPackageMissingError,
  PythonProcessDiedError,
  PythonProtocolError,
} from '../src/predictors/python/errors.js';
import { resolvePythonModel } from '../src/predictors/python/modelSource.js';
import { PythonPool, type PythonPoolOptions } from '../src/predictors/python/pythonPool.js';
import { pythonScorer } from '../src/predictors/python/pythonScorer.js';
import type { OutputColumn } from '../src/predictors/normalizeOutput.js';
import { alive } from './support/processGroup.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/python/', import.meta.url));
const SEED = path.join(FIXTURES, 'seed000');
const BEHAVIOURS = path.join(FIXTURES, 'behaviours.py');
const LOADCOUNT = path.join(FIXTURES, 'loadcount');
const PYTHON = 'python3';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-python-'));
let gateDir = '';
const pools: PythonPool[] = [];

function pool(options: Partial<PythonPoolOptions> = {}): PythonPool {
  const p = new PythonPool({ python: PYTHON, maxRssMb: 4096, maxIdle: 4, env: { ...process.env, MODEL_TEST_DIR: gateDir }, ...options });
  pools.push(p);
  return p;
}

function bounds(overrides: { deadline?: number; signal?: AbortSignal } = {}) {
  return {
    deadline: overrides.deadline ?? Date.now() + 90_000,
    signal: overrides.signal ?? new AbortController().signal,
    heartbeat: () => {},
    heartbeatEveryMs: 100,
  };
}

function scorer(
  p: PythonPool,
  model: string,
  functionName?: string,
  extra: { required?: string[]; deadline?: number; signal?: AbortSignal; heartbeat?: () => void } = {},
) {
  return pythonScorer({ source: resolvePythonModel(model), functionName }, p, {
    predictor: functionName ?? path.basename(model),
    place: { worker: 1, chunk: 2 },
    timeoutPerBatch: 60,
    required: extra.required,
    bounds: { ...bounds(extra), ...(extra.heartbeat ? { heartbeat: extra.heartbeat } : {}) },
  });
}

const ctx = { runId: 'r', worker: 1, chunk: 2, batch: 0 };

/** id 0..n-1; feature_1 NULL every 5th row, feature_2 NULL every 7th: what the seed's query gives. */
function features(n: number, start = 0): arrow.Table {
  const f1 = Array.from({ length: n }, (_, i) => ((start + i) % 5 === 0 ? null : (((start + i) * 7919) % 1000) / 1000));
  const f2 = Array.from({ length: n }, (_, i) => ((start + i) % 7 === 0 ? null : (((start + i) * 104729) % 997) / 997));
  return new arrow.Table({
    id: arrow.vectorFromArray(
      Array.from({ length: n }, (_, i) => BigInt(start + i)),
      new arrow.Int64(),
    ),
    feature_1: arrow.vectorFromArray(f1, new arrow.Float64()),
    feature_2: arrow.vectorFromArray(f2, new arrow.Float64()),
  });
}

const column = (columns: OutputColumn[], name: string) => columns.find((c) => c.name === name)!;

/** The pid a gated model wrote once it started computing (its `computing-<pid>` file). */
async function computingPid(): Promise<number> {
  for (;;) {
    const found = fs.readdirSync(gateDir).find((n) => n.startsWith('computing-'));
    if (found) return Number(found.slice('computing-'.length));
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A SIGKILLed process is gone once the kernel has reaped it: a short, bounded wait. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 25));
  return !alive(pid);
}

/** Live runner processes of the hanging fixture. */
function runnerPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n) && alive(Number(n)))
    .filter((n) => {
      try {
        return fs.readFileSync(`/proc/${n}/cmdline`, 'utf8').includes(path.join(FIXTURES, 'hangs'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

const pidOf = async (p: PythonPool): Promise<number> => {
  const s = scorer(p, BEHAVIOURS, 'pid');
  const out = await s.score(features(3), ctx);
  s.close();
  return Number((column(out, 'pid').values as BigInt64Array)[0]);
};

beforeAll(() => {
  fs.mkdirSync(tmp, { recursive: true });
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('python scorer', () => {
  beforeAll(() => {
    gateDir = fs.mkdtempSync(path.join(tmp, 'gate-'));
  });
  afterEach(() => {
    for (const name of fs.readdirSync(gateDir)) fs.rmSync(path.join(gateDir, name));
  });

  it("runs seed 000's predict_fn exactly as written, with the values it computes", async () => {
    const described = await describePythonModel(SEED, { python: PYTHON });
    expect(described.functions.map((f) => f.name)).toEqual(['predict_fn']);
    expect(described.defaultFunction).toBe('predict_fn');
    expect(described.hasLoad).toBe(false);

    const p = pool();
    const s = scorer(p, SEED);
    const n = 20_000;
    const out = await s.score(features(n), ctx, { place: { worker: 1, chunk: 2 }, firstRow: 0 });
    s.close();
    expect(out.map((c) => [c.name, c.storage])).toEqual([
      ['id', 'BIGINT'],
      ['score', 'DOUBLE'],
      ['label', 'BIGINT'],
    ]);
    const input = features(n);
    const f1 = input.getChild('feature_1')!;
    const f2 = input.getChild('feature_2')!;
    const ids = column(out, 'id').values as BigInt64Array;
    const scores = column(out, 'score').values as Float64Array;
    const labels = column(out, 'label').values as BigInt64Array;
    for (let i = 0; i < n; i++) {
      const expected = Math.round(((f1.get(i) ?? 0) * 0.7 + (f2.get(i) ?? 0) * 0.3) * 1e6) / 1e6;
      expect(ids[i]).toBe(BigInt(i));
      expect(Math.abs(scores[i] - expected)).toBeLessThan(1e-9);
      expect(labels[i]).toBe(scores[i] >= 0.5 ? 1n : 0n);
    }
    expect(column(out, 'score').validity).toBeNull();
  });

  it('answers overlapping batches in order (the next batch is sent while one is scored)', async () => {
    const p = pool();
    const s = scorer(p, BEHAVIOURS, 'predict');
    const batches = [features(1000, 0), features(10, 5000), features(300, 9000)];
    // Not awaited in between: scoreChunk sends the next batch before the previous one is back.
    const outs = await Promise.all(batches.map((b, i) => s.score(b, { ...ctx, batch: i })));
    s.close();
    expect(outs.map((o) => (column(o, 'id').values as BigInt64Array)[0])).toEqual([0n, 5000n, 9000n]);
    expect(outs.map((o) => o[0].values.length)).toEqual([1000, 10, 300]);
    expect(p.started).toBe(1);
  });

  it('lists public functions defined in the module, and refuses one that does not exist before any data moves', async () => {
    const described = await describePythonModel(BEHAVIOURS, { python: PYTHON });
    const names = described.functions.map((f) => f.name);
    expect(names).toContain('predict');
    expect(names).toContain('raises');
    expect(names).not.toContain('_lookup'); // private
    expect(names).not.toContain('DataFrame'); // imported, not defined here
    expect(described.defaultFunction).toBe('predict');
    expect(described.functions.find((f) => f.name === 'predict')?.params).toEqual(['df']);

    const err = await describePythonModel(BEHAVIOURS, { python: PYTHON, functionName: 'predcit' }).catch((e) => e);
    expect(err).toBeInstanceOf(PythonFunctionNotFoundError);
    expect(err.message).toMatch(/no function "predcit"; it defines: predict, .*raises/);

    const p = pool();
    const s = scorer(p, BEHAVIOURS, 'predcit');
    await expect(s.score(features(5), ctx)).rejects.toBeInstanceOf(PythonFunctionNotFoundError);
    s.close();
  });

  it('fails the chunk as non-retryable on a user exception, with its type, message and last frames; the process stays', async () => {
    const p = pool();
    const s = scorer(p, BEHAVIOURS, 'raises');
    const err = await s.score(features(10), ctx).catch((e) => e);
    expect(err).toBeInstanceOf(PythonModelError);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect(err.excType).toBe('KeyError');
    expect(err.message).toContain('chunk 2 of worker 1: Python model "raises" raised KeyError: \'no_such_column\'');
    expect(err.frames.some((f: string) => f.includes('behaviours.py') && f.includes('in _lookup'))).toBe(true);
    expect(err.frames.length).toBeLessThanOrEqual(5);
    expect(err.frames.join('\n')).not.toContain('runner.py');
    s.close();
    // sys.exit() in user code is a user exception too, not a dead process.
    const exits = scorer(p, BEHAVIOURS, 'exits');
    const exitErr = await exits.score(features(3), ctx).catch((e) => e);
    expect(exitErr).toBeInstanceOf(PythonModelError);
    expect(exitErr.excType).toBe('SystemExit');
    exits.close();
    expect(p.started).toBe(1);
    const again = scorer(p, BEHAVIOURS, 'predict');
    expect((await again.score(features(4), ctx))[0].values.length).toBe(4);
    again.close();
    expect(p.started).toBe(1);
  });

  it('checks the output like any predictor: rows, a DataFrame, required columns', async () => {
    const p = pool();
    const wrong = scorer(p, BEHAVIOURS, 'wrong_rows');
    await expect(wrong.score(features(10), ctx)).rejects.toThrow(/has 1 rows for 10 input rows/);
    wrong.close();
    const notFrame = scorer(p, BEHAVIOURS, 'not_a_frame');
    const err = await notFrame.score(features(10), ctx).catch((e) => e);
    expect(err).toBeInstanceOf(PredictorOutputError);
    expect(err.message).toContain('not_a_frame returned list, not a pandas.DataFrame');
    notFrame.close();
    const missing = scorer(p, BEHAVIOURS, 'predict', { required: ['id', 'score'] });
    await expect(missing.score(features(10), ctx)).rejects.toThrow(/missing column\(s\) "score" required by outputTableDefinition/);
    missing.close();
  });

  it('types strings, booleans, timestamps and categoricals as for other predictors', async () => {
    const p = pool();
    const s = scorer(p, BEHAVIOURS, 'strings_and_times');
    const out = await s.score(features(4), ctx);
    s.close();
    expect(out.map((c) => [c.name, c.storage])).toEqual([
      ['id', 'BIGINT'],
      ['name', 'VARCHAR'],
      ['flag', 'BOOLEAN'],
      ['at', 'TIMESTAMP'],
      ['cat', 'VARCHAR'],
    ]);
    expect(column(out, 'name').values).toEqual(['row-0', 'row-1', 'row-2', 'row-3']);
    expect([...(column(out, 'flag').values as Uint8Array)]).toEqual([1, 0, 1, 0]);
    expect((column(out, 'at').values as BigInt64Array)[1]).toBe(BigInt(Date.parse('2026-01-02T03:04:06Z')) * 1000n);
    expect(column(out, 'cat').values).toEqual(['b', 'a', 'b', 'a']);
  });

  it('replaces a process SIGKILLed in the middle of a batch: the chunk fails retryably, the next one works on a fresh process', async () => {
    const p = pool();
    const s = scorer(p, BEHAVIOURS, 'gated');
    const scoring = s.score(features(100), ctx).catch((e) => e);
    const pid = await computingPid();
    process.kill(pid, 'SIGKILL');
    const err = await scoring;
    expect(err).toBeInstanceOf(PythonProcessDiedError);
    expect(err).not.toBeInstanceOf(NonRetryableError);
    expect(err.signal).toBe('SIGKILL');
    expect(err.message).toMatch(
      /^chunk 2 of worker 1: Python model "gated" process \d+ ended \(signal SIGKILL\) without answering; the chunk is retried/,
    );
    s.close();
    const next = await pidOf(p);
    expect(next).not.toBe(pid);
    expect(p.started).toBe(2);
  });

  it('replaces a process that crashes by itself (os._exit, segfault) and retries', async () => {
    const p = pool();
    for (const fn of ['exits_hard', 'segfault']) {
      const s = scorer(p, BEHAVIOURS, fn);
      const err = await s.score(features(5), ctx).catch((e) => e);
      expect(err).toBeInstanceOf(PythonProcessDiedError);
      expect(err).not.toBeInstanceOf(NonRetryableError);
      s.close();
    }
    expect((await pidOf(p)) > 0).toBe(true);
    expect(p.started).toBe(3);
  });

  it("does not trust a model's own control frames: an answer longer than its file, or in another pair, breaks the process", async () => {
    const p = pool();
    for (const [fn, problem] of [
      ['forges_length', /an answer of 1073741824 bytes in a file of \d+/],
      ['forges_pair', /an answer in pair 1 to a batch sent in pair 0/],
    ] as const) {
      const s = scorer(p, BEHAVIOURS, fn);
      const err = await s.score(features(5), ctx).catch((e) => e);
      expect(err).toBeInstanceOf(PythonProtocolError);
      expect(err.message).toMatch(problem);
      s.close();
    }
    // Each broken process was killed, not handed to the next chunk.
    expect((await pidOf(p)) > 0).toBe(true);
    expect(p.started).toBe(3);
  });

  it('reuses a process across chunks, and restarts one over BATCH_PYTHON_MAX_RSS_MB between chunks', async () => {
    const p = pool({ maxRssMb: 280 });
    const first = await pidOf(p);
    expect(await pidOf(p)).toBe(first); // reused: same model, healthy, under the bound
    const s = scorer(p, BEHAVIOURS, 'grow'); // the same process, now holding 200 MB more
    await s.score(features(5), ctx);
    s.close();
    expect(p.restartedForMemory).toBe(1);
    expect(await gone(first)).toBe(true);
    const next = await pidOf(p);
    expect(next).not.toBe(first);
  });

  it('kills the process when the chunk is cancelled, and when the batch runs past its deadline', async () => {
    const p = pool();
    const cancel = new AbortController();
    let beats = 0;
    const s = scorer(p, BEHAVIOURS, 'gated', { signal: cancel.signal, heartbeat: () => beats++ });
    const scoring = s.score(features(10), ctx).catch((e) => e);
    const pid = await computingPid();
    // The activity keeps heartbeating while Python computes: wait for beats, not for time.
    while (beats < 3) await new Promise((r) => setTimeout(r, 20));
    cancel.abort();
    expect(await scoring).toBeInstanceOf(CancelledFailure);
    s.close();
    expect(await gone(pid)).toBe(true);

    // A started process is reused by the next chunk, so its pid is known before the deadline can pass
    // (which may be before the batch reaches Python: the gate is never opened either way).
    const warm = await pidOf(p);
    const late = scorer(p, BEHAVIOURS, 'gated', { deadline: Date.now() + 300 });
    expect(await late.score(features(10), ctx).catch((e) => e)).toBeInstanceOf(PredictorTimeoutError);
    late.close();
    expect(await gone(warm)).toBe(true);
  });

  it('calls load(model_dir) once per process and passes its value to the function', async () => {
    const p = pool();
    const loads = () => fs.readdirSync(gateDir).filter((n) => n.startsWith('load-'));
    for (let chunk = 0; chunk < 2; chunk++) {
      const s = scorer(p, LOADCOUNT);
      for (let batch = 0; batch < 3; batch++) {
        const out = await s.score(features(10), { ...ctx, batch });
        expect((column(out, 'tripled').values as Float64Array)[1]).toBeCloseTo((((1 * 7919) % 1000) / 1000) * 3, 12);
      }
      s.close();
    }
    expect(loads()).toHaveLength(1);
    expect(fs.readFileSync(path.join(gateDir, loads()[0]), 'utf8')).toBe(fs.realpathSync(LOADCOUNT));
    // Two chunks at once: two processes, each loading once.
    const a = scorer(p, LOADCOUNT);
    const b = scorer(p, LOADCOUNT);
    const [outA, outB] = await Promise.all([a.score(features(5), ctx), b.score(features(5), ctx)]);
    a.close();
    b.close();
    expect(column(outA, 'pid').values[0]).not.toBe(column(outB, 'pid').values[0]);
    expect(loads()).toHaveLength(2);
    expect(p.started).toBe(2);
  });

  it('does not outlive a worker that is SIGKILLed while its model computes', async () => {
    // A real node process in its own group; the Python process is in a group of its own, so only
    // the kernel's parent-death signal can stop it when the worker is killed.
    const host = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, 'orphanHost.ts')], {
      env: { ...process.env, MODEL_TEST_DIR: gateDir },
      stdio: 'ignore',
      detached: true,
    });
    const hostExited = new Promise((resolve) => host.once('exit', resolve));
    try {
      const pid = await computingPid();
      process.kill(-host.pid!, 'SIGKILL');
      await hostExited;
      expect(await gone(pid)).toBe(true);
    } finally {
      try {
        process.kill(-host.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });

  it('keeps reading a chatty model’s prints, and hands it none of the worker’s secrets', { timeout: 30_000 }, async () => {
    const p = pool({
      env: {
        ...process.env,
        MODEL_TEST_DIR: gateDir,
        BATCH_TEST_SECRET: 'hush',
        AWS_SECRET_ACCESS_KEY: 'hush',
        MODEL_TEST_SETTING: 'kept',
      },
    });
    const chatty = scorer(p, BEHAVIOURS, 'chatty');
    expect((await chatty.score(features(5), ctx))[0].values.length).toBe(5);
    chatty.close();
    const probe = scorer(p, BEHAVIOURS, 'env_probe');
    const out = await probe.score(features(2), ctx);
    probe.close();
    expect(column(out, 'batch_secret').values).toEqual(['absent', 'absent']);
    expect(column(out, 'aws_secret').values).toEqual(['absent', 'absent']);
    expect(column(out, 'model_setting').values).toEqual(['kept', 'kept']);
  });
});

describe('python models: clear errors before any data moves', () => {
  it('names BATCH_PYTHON and the fix when there is no interpreter', async () => {
    const missing = path.join(tmp, 'no-such-python');
    const err = await describePythonModel(SEED, { python: missing }).catch((e) => e);
    expect(err).toBeInstanceOf(PythonNotFoundError);
    expect(err.message).toContain(`Python interpreter "${missing}" (BATCH_PYTHON) could not be started: no such file or command`);
    expect(err.message).toContain('set BATCH_PYTHON');
    const p = pool({ python: missing });
    const s = scorer(p, SEED);
    await expect(s.score(features(3), ctx)).rejects.toBeInstanceOf(PythonNotFoundError);
    s.close();
  });

  it('gives the pip command when the interpreter has no pyarrow or pandas', async () => {
    // A virtual environment without packages; where the venv module is missing (Debian without
    // python3-venv), a shim that starts python3 without site-packages (-S) is the same to the runner.
    const venv = path.join(tmp, 'bare-venv');
    let python = path.join(venv, 'bin', 'python');
    try {
      execFileSync(PYTHON, ['-m', 'venv', '--without-pip', venv], { stdio: 'pipe' });
    } catch {
      python = path.join(tmp, 'bare-python');
      fs.writeFileSync(python, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`, { mode: 0o755 });
    }
    const err = await describePythonModel(SEED, { python }).catch((e) => e);
    expect(err).toBeInstanceOf(PythonPackageMissingError);
    expect(err.message).toMatch(/cannot import (pandas|pyarrow)/);
    expect(err.message).toContain(`${python} -m pip install pyarrow pandas`);
  });

  it('reports a module that does not import with its Python exception', async () => {
    const err = await describePythonModel(path.join(FIXTURES, 'badimport'), { python: PYTHON }).catch((e) => e);
    expect(err).toBeInstanceOf(PythonImportError);
    expect(err.excType).toBe('KeyError');
    expect(err.message).toMatch(/does not import: KeyError: 'treshold'/);
    expect(err.message).toContain('model.py:4 in <module>');
  });

  it('gives up on a module whose import does not finish, and stops its process', async () => {
    const before = new Set(runnerPids());
    const err = await describePythonModel(path.join(FIXTURES, 'hangs'), { python: PYTHON, timeoutMs: 1000 }).catch((e) => e);
    expect(err).toBeInstanceOf(PythonImportError);
    expect(err.message).toContain('does not import: TimeoutError: the import did not finish within 1 s');
    expect(runnerPids().filter((pid) => !before.has(pid))).toEqual([]);
  });

  it('refuses paths that are not a Python module', () => {
    expect(() => resolvePythonModel(path.join(tmp, 'nothing-here'))).toThrow(PythonModelPathError);
    expect(() => resolvePythonModel(path.join(FIXTURES, 'sklearn', 'train.py').replace('.py', '.txt'))).toThrow(/no such file or folder/);
    const two = fs.mkdtempSync(path.join(tmp, 'two-'));
    fs.writeFileSync(path.join(two, 'a.py'), '');
    fs.writeFileSync(path.join(two, 'b.py'), '');
    expect(() => resolvePythonModel(two)).toThrow(/holds a.py, b.py; name the model's module model.py/);
    const notPy = path.join(two, 'weights.bin');
    fs.writeFileSync(notPy, '');
    expect(() => resolvePythonModel(notPy)).toThrow(/is not a .py file/);
  });
});

describe('a scikit-learn model saved with joblib', () => {
  let modelDir = '';
  beforeAll(() => {
    modelDir = fs.mkdtempSync(path.join(tmp, 'sklearn-'));
    fs.copyFileSync(path.join(FIXTURES, 'sklearn', 'model.py'), path.join(modelDir, 'model.py'));
    execFileSync(PYTHON, [path.join(FIXTURES, 'sklearn', 'train.py'), modelDir]);
  });

  it('predicts exactly what scikit-learn predicts directly on the same rows (NULLs included)', async () => {
    const expected = arrow.tableFromIPC(fs.readFileSync(path.join(modelDir, 'expected.arrow')));
    const input = expected.select(['id', 'feature_1', 'feature_2', 'feature_3']);
    expect(input.getChild('feature_1')!.nullCount).toBeGreaterThan(0);
    const described = await describePythonModel(modelDir, { python: PYTHON });
    expect(described.hasLoad).toBe(true);
    expect(described.functions.map((f) => f.name)).toEqual(['predict']);
    const p = pool();
    const s = scorer(p, modelDir);
    const out = await s.score(input, ctx);
    s.close();
    const labels = column(out, 'label').values as BigInt64Array;
    const probas = column(out, 'proba').values as Float64Array;
    const wantLabels = expected.getChild('expected_label')!;
    const wantProbas = expected.getChild('expected_proba')!;
    expect(labels.length).toBe(expected.numRows);
    for (let i = 0; i < expected.numRows; i++) {
      expect(labels[i]).toBe(BigInt(wantLabels.get(i)));
      expect(Math.abs(probas[i] - wantProbas.get(i))).toBeLessThan(1e-12);
    }
  });
});
