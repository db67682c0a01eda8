// Which predictors a chunk thread can load by itself: those with a module source (registered JS and
// ONNX models, BATCH_PREDICTORS modules) and the built-ins, unless code injected a function of the
// same name. Injected functions and Python models score on the main thread as before.
import { BUILTIN_PREDICTORS } from '../../predictors/registry.js';
import { BUILTIN_SOURCES } from '../../predictors/sources.js';
import type { ModulePredictorSource } from '../../predictors/isolation/batchScorer.js';
import type { PredictorMap } from '../../predictors/types.js';

export function chunkThreadSource(
  ctx: { predictors: PredictorMap; predictorSources?: Record<string, ModulePredictorSource> },
  predictor: string,
  source: ModulePredictorSource | undefined,
): ModulePredictorSource | undefined {
  if (source) return source;
  const builtin = Object.hasOwn(BUILTIN_SOURCES, predictor) && ctx.predictors[predictor] === BUILTIN_PREDICTORS[predictor];
  return builtin ? BUILTIN_SOURCES[predictor] : undefined;
}
