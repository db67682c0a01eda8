// A run's model as the scoring activity needs it: the predict function (and module source, for a JS
// model's thread) of the function the run resolved, from the worker's cache of loaded versions.
import type { BatchScorer, ModulePredictorSource, ScorerOptions } from '../predictors/isolation/batchScorer.js';
import type { Predictor } from '../predictors/types.js';
import type { ModelCache } from './cache.js';
import { UnknownModelFunctionError } from './errors.js';
import type { ResolvedModel } from './modelRef.js';

export interface ModelPredictor {
  predict: Predictor;
  source?: ModulePredictorSource;
  /** The kind's own scorer (a Python model's processes), preferred to predict when set. */
  batchScorer?(options: ScorerOptions): BatchScorer;
  release(): void;
}

export async function modelPredictor(cache: ModelCache, resolved: ResolvedModel): Promise<ModelPredictor> {
  const lease = await cache.acquire(resolved);
  try {
    const fn = lease.model.functions.find((f) => f.name === resolved.function);
    if (!fn)
      throw new UnknownModelFunctionError(
        resolved.name,
        resolved.version,
        resolved.function,
        lease.model.functions.map((f) => f.name),
      );
    const { predict, source, batchScorer } = lease.opened.scorer(fn);
    return { predict, source, batchScorer, release: lease.release };
  } catch (err) {
    lease.release();
    throw err;
  }
}
