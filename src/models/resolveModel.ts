// A run's model reference resolved when the run starts (prepareRun): the version (latest when not
// given) and function, recorded in the spec the rest of the run reads from the stage.
import type { Stage } from '../adapters/stage/stage.js';
import type { ModelRef, ResolvedModel } from './modelRef.js';
import { ModelRegistry } from './registry.js';

export async function resolveModel(
  stage: Stage,
  ref: ModelRef,
): Promise<{ model: ResolvedModel; predictor: string; /** The function's declared input columns (empty: any). */ inputs: string[] }> {
  const { resolved, fn } = await new ModelRegistry(stage).resolve(ref);
  return { model: resolved, predictor: `${resolved.name}@${resolved.version}:${resolved.function}`, inputs: fn.inputs };
}
