// Which predictors a chunk thread may load. A chunk thread runs the predictor in the same thread as its
// own DuckDB, and a thread that ends while one of its DuckDB calls is in flight aborts the whole worker
// process (DuckDB's Node bindings). Code that could end the thread at any moment (an asynchronous throw,
// process.exit, a heap that fills inside our own calls, a timer that spins after it returned) therefore
// stays off chunk threads unless the operator vouches for it: by default only our own modules score
// there (the built-ins and the ONNX kind, whose model is data, not code). Registered js models never do;
// BATCH_PREDICTORS modules do with BATCH_CHUNK_THREAD_MODULES=trusted. The rest score on predictor
// threads (which hold no DuckDB) or the main thread, as before.
import { BUILTIN_PREDICTORS } from '../../predictors/registry.js';
import { BUILTIN_SOURCES } from '../../predictors/sources.js';
import type { ModulePredictorSource } from '../../predictors/isolation/batchScorer.js';
import type { PredictorMap } from '../../predictors/types.js';

/** Our own source folder (src/ or dist/): modules below it are this package's code. */
const OWN_ROOT = new URL('../../', import.meta.url).href;

const ownModule = (source: ModulePredictorSource) => source.moduleUrl.startsWith(OWN_ROOT);

export function chunkThreadSource(
  ctx: {
    predictors: PredictorMap;
    predictorSources?: Record<string, ModulePredictorSource>;
    chunkThreads?: { trustModules: boolean };
  },
  predictor: string,
  /** The run's registered model, when it has one: its source decides. */
  model: { source?: ModulePredictorSource } | undefined,
): ModulePredictorSource | undefined {
  if (model) return model.source && ownModule(model.source) ? model.source : undefined;
  const operatorModule = ctx.predictorSources?.[predictor];
  if (operatorModule) return ctx.chunkThreads?.trustModules || ownModule(operatorModule) ? operatorModule : undefined;
  const builtin = Object.hasOwn(BUILTIN_SOURCES, predictor) && ctx.predictors[predictor] === BUILTIN_PREDICTORS[predictor];
  return builtin ? BUILTIN_SOURCES[predictor] : undefined;
}
