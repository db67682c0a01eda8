// Where each BATCH_PREDICTORS predictor comes from, so that a predictor thread can load it by itself.
// Predictors injected in code have no module: not listed. The built-in linear-demo is not listed
// either: it is our own bounded arithmetic over typed arrays, which cannot hang or grow, and in a
// thread it made `npm run bench` 10-40% slower in the scoring phase (BENCHMARKS.md).
// BUILTIN_SOURCES says where it lives, for running it in a thread anyway (tests, measurements).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModulePredictorSource } from './isolation/batchScorer.js';
import { exportKey } from './registry.js';
import type { PredictorMap } from './types.js';
import { importPredictorModule } from './importModule.js';

// Beside this module: linearDemo.ts from the sources, linearDemo.js when built to dist/.
const moduleExtension = import.meta.url.slice(import.meta.url.lastIndexOf('.'));

export const BUILTIN_SOURCES: Record<string, ModulePredictorSource> = {
  'linear-demo': { moduleUrl: new URL(`./linearDemo${moduleExtension}`, import.meta.url).href, exportName: 'linearDemo' },
};

/**
 * The sources of the registry's module predictors; an injected predictor of the same name wins in
 * the registry, so its name is left out here. The modules were loaded by the registry already.
 */
export async function modulePredictorSources(
  modulePaths: readonly string[],
  injected: PredictorMap = {},
): Promise<Record<string, ModulePredictorSource>> {
  const sources: Record<string, ModulePredictorSource> = {};
  for (const modulePath of modulePaths) {
    const moduleUrl = pathToFileURL(path.resolve(modulePath)).href;
    const mod = await importPredictorModule(moduleUrl);
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value === 'function') sources[exportKey(modulePath, name)] = { moduleUrl, exportName: name };
    }
  }
  for (const name of Object.keys(injected)) delete sources[name];
  return sources;
}
