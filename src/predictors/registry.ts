// Named predictors: the built-ins, those exported by modules listed in BATCH_PREDICTORS,
// and any passed to the worker in code.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { importPredictorModule } from './importModule.js';
import { linearDemo } from './linearDemo.js';
import type { Predictor, PredictorMap } from './types.js';

export const BUILTIN_PREDICTORS: PredictorMap = { 'linear-demo': linearDemo };

/** The name a module's export is registered under: its export name, or the file's name for a default export. */
export function exportKey(modulePath: string, exportName: string): string {
  return exportName === 'default' ? path.basename(modulePath).replace(/\.[cm]?[jt]s$/, '') : exportName;
}

/** Every function a module exports becomes a predictor under its export name (default: the file name). */
export async function loadPredictorModules(modulePaths: readonly string[]): Promise<PredictorMap> {
  const found: PredictorMap = {};
  for (const modulePath of modulePaths) {
    const url = pathToFileURL(path.resolve(modulePath)).href;
    let mod: Record<string, unknown>;
    try {
      mod = await importPredictorModule(url);
    } catch (err) {
      throw new Error(`BATCH_PREDICTORS: cannot load "${modulePath}": ${(err as Error).message}`);
    }
    let count = 0;
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== 'function') continue;
      found[exportKey(modulePath, name)] = value as Predictor;
      count++;
    }
    if (count === 0) throw new Error(`BATCH_PREDICTORS: "${modulePath}" exports no functions`);
  }
  return found;
}

export async function buildPredictorRegistry(modulePaths: readonly string[], extra: PredictorMap = {}): Promise<PredictorMap> {
  return { ...BUILTIN_PREDICTORS, ...(await loadPredictorModules(modulePaths)), ...extra };
}
