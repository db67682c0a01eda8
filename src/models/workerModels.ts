// The model cache of activities created without one (tests that inject their own stage): a
// process-private folder, bounded by the default BATCH_MODEL_CACHE_MB.
import os from 'node:os';
import path from 'node:path';
import type { Stage } from '../adapters/stage/stage.js';
import { ModelCache } from './cache.js';

export const DEFAULT_MODEL_CACHE_BYTES = 1024 * 1024 * 1024;

export function defaultModelCache(stage: Stage): ModelCache {
  return new ModelCache(stage, path.join(os.tmpdir(), `batch-inference-models-${process.pid}`), DEFAULT_MODEL_CACHE_BYTES);
}
