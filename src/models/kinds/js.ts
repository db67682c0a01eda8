// JS modules as registered models: today's predictor modules (each exported function a predictor),
// versioned like any model. A single-file ES module: the worker imports its cached copy, so relative
// imports of other files are not available. Its functions run in the predictor threads, isolated as
// BATCH_PREDICTORS modules are, and take whatever columns the query returns.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { importPredictorModule } from '../../predictors/importModule.js';
import type { Predictor } from '../../predictors/types.js';
import { FUNCTION_NAME } from '../modelRef.js';
import { UnsupportedModelError } from '../errors.js';
import type { ModelFunction } from '../modelJson.js';
import type { ModelKind } from './kind.js';

async function exportedFunctions(file: string): Promise<Record<string, Predictor>> {
  const mod = await importPredictorModule(pathToFileURL(path.resolve(file)).href);
  const found: Record<string, Predictor> = {};
  for (const [name, value] of Object.entries(mod)) if (typeof value === 'function') found[name] = value as Predictor;
  return found;
}

export const jsKind: ModelKind = {
  kind: 'js',
  extensions: ['.mjs', '.js'],
  // Stored as .mjs: the cached copy sits outside any package.json and must load as an ES module.
  storedExtension: '.mjs',
  async describe(file): Promise<ModelFunction[]> {
    let functions: Record<string, Predictor>;
    try {
      functions = await exportedFunctions(file);
    } catch (err) {
      throw new UnsupportedModelError(path.basename(file), `cannot import it as an ES module: ${(err as Error).message}`);
    }
    const names = Object.keys(functions).filter((n) => FUNCTION_NAME.test(n));
    if (!names.length) throw new UnsupportedModelError(path.basename(file), 'it exports no functions');
    // "default" sorts last: a named export is the function a user means first.
    names.sort((a, b) => Number(a === 'default') - Number(b === 'default'));
    return names.map((name) => ({ name, inputs: [], outputs: [] }));
  },
  async open(file) {
    const moduleUrl = pathToFileURL(path.resolve(file)).href;
    // Not imported here: user code runs in a predictor thread, where it can be stopped. Only a worker
    // without threads (code that injects its own activities) imports it on the main thread, when first called.
    let functions: Promise<Record<string, Predictor>> | undefined;
    return {
      scorer(fn) {
        const predict: Predictor = async (input, context) => {
          functions ??= exportedFunctions(file);
          const f = (await functions)[fn.name];
          if (!f) throw new UnsupportedModelError(path.basename(file), `it no longer exports "${fn.name}"`);
          return f(input, context);
        };
        return { predict, source: { moduleUrl, exportName: fn.name } };
      },
      async close() {},
    };
  },
};
