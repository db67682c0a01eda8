// Loading a module predictor inside a thread (a predictor thread or a chunk thread): the module is
// imported once per thread, and a factory export (ModulePredictorSource.init) is called once per
// thread and init (e.g. opens an ONNX session), so that later batches and chunks reuse what it made.
import type { Predictor } from '../types.js';
import type { ModulePredictorSource } from './batchScorer.js';

export type ModuleImport = (url: string) => Promise<Record<string, unknown>>;

export class LoadedPredictors {
  private readonly loading = new Map<string, Promise<Predictor>>();
  private readonly loaded = new Map<string, Predictor>();

  constructor(private readonly importModule: ModuleImport) {}

  /** The predictor when it is loaded already: taking it runs no user code. */
  ready(source: ModulePredictorSource): Predictor | undefined {
    return this.loaded.get(sourceKey(source));
  }

  /** Imports the module (and calls the factory) on first use; runs user code. */
  load(source: ModulePredictorSource): Promise<Predictor> {
    const key = sourceKey(source);
    let found = this.loading.get(key);
    if (!found) {
      found = this.importModule(source.moduleUrl).then(async (mod) => {
        const fn = mod[source.exportName];
        if (typeof fn !== 'function') throw new Error(`${source.moduleUrl} has no function export "${source.exportName}"`);
        if (source.init === undefined) return fn as Predictor;
        const made: unknown = await (fn as (init: unknown) => unknown)(source.init);
        if (typeof made !== 'function') throw new Error(`${source.moduleUrl}'s "${source.exportName}" did not return a predictor function`);
        return made as Predictor;
      });
      // A failed load (e.g. an unreadable artifact) is not cached: the next batch or chunk tries again.
      found.then((predict) => this.loaded.set(key, predict)).catch(() => this.loading.delete(key));
      this.loading.set(key, found);
    }
    return found;
  }
}

function sourceKey(source: ModulePredictorSource): string {
  return source.init === undefined
    ? `${source.moduleUrl}#${source.exportName}`
    : `${source.moduleUrl}#${source.exportName}#${JSON.stringify(source.init)}`;
}
