// Python models as a registered kind: a .py file or a folder (the module beside model.joblib, helper
// modules, a requirements.txt that is recorded, not installed), stored as ONE deterministic tar. The
// worker unpacks a verified archive into its cache and scores with the worker's pool of long-lived
// Python processes (src/predictors/python/), shared by every chunk and run of the same version.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Predictor } from '../../predictors/types.js';
import { describePythonModel } from '../../predictors/python/describe.js';
import { resolvePythonModel } from '../../predictors/python/modelSource.js';
import { poolKey, type PythonPool } from '../../predictors/python/pythonPool.js';
import { pythonScorer } from '../../predictors/python/pythonScorer.js';
import { NonRetryableError } from '../../nonRetryableError.js';
import { FUNCTION_NAME } from '../modelRef.js';
import { UnsupportedModelError } from '../errors.js';
import type { ModelKind } from './kind.js';
import { packPythonModel, unpackPythonModel } from './pythonArchive.js';
import type { PythonThreadInit } from './pythonThread.js';

// Same extension as this file: .ts when run from src/ (the thread registers tsx), .js from dist/.
const THREAD_MODULE = new URL(`./pythonThread${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

const DEFAULT_PYTHON = 'python3';

/** A Python model's function was called as a plain predictor: only its batch scorer (a Python process) runs it. */
export class PythonModelNeedsPoolError extends NonRetryableError {
  constructor(readonly model: string) {
    super(`model ${model} is a Python model: it scores in the worker's Python processes, which this worker was created without`);
  }
}

export const pythonKind: ModelKind = {
  kind: 'python',
  extensions: ['.py'],
  // Always a tar, even for a single .py file: one way to store and to open.
  storedExtension: '.tar',
  async pack(input, out, options) {
    const source = resolvePythonModel(input); // names the problem when it is no .py file or folder holding one
    const stat = await fs.stat(input);
    if (stat.isDirectory()) return packPythonModel(options.python ?? DEFAULT_PYTHON, input, out, options.unpack);
    // A lone file: archived alone, so that its neighbours (whatever else sits in its folder) stay out.
    const alone = await fs.mkdtemp(path.join(os.tmpdir(), 'bi-pymodel-'));
    try {
      await fs.copyFile(source.modulePath, path.join(alone, path.basename(source.modulePath)));
      await packPythonModel(options.python ?? DEFAULT_PYTHON, alone, out, options.unpack);
    } finally {
      await fs.rm(alone, { recursive: true, force: true });
    }
  },
  async describe(input, options) {
    const described = await describePythonModel(input, { python: options.python ?? DEFAULT_PYTHON });
    const names = described.functions.map((f) => f.name).filter((n) => FUNCTION_NAME.test(n));
    if (!names.length) throw new UnsupportedModelError(path.basename(input), 'its module defines no public function; define predict(df)');
    // The default function first: a run that names no function runs the first one.
    const first = described.defaultFunction;
    names.sort((a, b) => Number(b === first) - Number(a === first));
    // A pandas function takes whatever columns the query gives and returns what it returns.
    return { functions: names.map((name) => ({ name, inputs: [], outputs: [] })), requirements: described.requirements };
  },
  async open(archive, model, runtimes) {
    const folder = `${archive}.d`;
    const pool: PythonPool | undefined = runtimes?.python;
    const version = `${model.name}@${model.version}`;
    if (!(await fs.stat(folder).catch(() => undefined)))
      await unpackPythonModel(pool?.options.python ?? DEFAULT_PYTHON, archive, folder, { limits: runtimes?.unpack, model: version });
    const source = resolvePythonModel(folder);
    return {
      scorer(fn) {
        if (!pool) throw new PythonModelNeedsPoolError(version);
        const predict: Predictor = () => {
          throw new PythonModelNeedsPoolError(version);
        };
        const key = poolKey(source, version);
        const init: PythonThreadInit = {
          source,
          functionName: fn.name,
          key,
          ref: `${version}:${fn.name}`,
          python: pool.options.python,
          maxRssMb: pool.options.maxRssMb,
        };
        return {
          predict,
          // On a chunk thread when one is free (its own Python process); else here, with the worker's pool.
          source: { moduleUrl: THREAD_MODULE, exportName: 'pythonThreadPredictor', init, stopsItself: true, pipelined: true },
          batchScorer: (options) => pythonScorer({ source, functionName: fn.name, key }, pool, options),
        };
      },
      // The pool's processes belong to the worker (closed at its shutdown); idle ones of an evicted
      // version are the pool's oldest and go first when it needs room.
      async close() {},
    };
  },
};
