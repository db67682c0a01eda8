// What the activities need, injected by the worker (or a test): adapters, predictors, limits.
import type { KafkaSettings } from '../adapters/kafka/settings.js';
import type { ObjectMetadataSource } from '../adapters/stage/s3/s3Objects.js';
import type { Stage } from '../adapters/stage/stage.js';
import type { Warehouse } from '../adapters/warehouse/warehouse.js';
import type { ModulePredictorSource } from '../predictors/isolation/batchScorer.js';
import type { PredictorThreads } from '../predictors/isolation/predictorThreads.js';
import type { ChunkThreads } from '../scoring/chunkThreads/chunkThreads.js';
import type { PredictorMap } from '../predictors/types.js';
import type { Tenants } from '../tenants/tenantsFile.js';
import type { TenantWarehouses } from '../tenants/warehouses.js';
import type { ManifestCache } from './manifestCache.js';
import type { ModelCache } from '../models/cache.js';

export interface ActivityDeps {
  stage: Stage;
  warehouse: Warehouse;
  predictors: PredictorMap;
  /** Module predictors by name: these run in predictorThreads; the other predictors on the main thread. */
  predictorSources?: Record<string, ModulePredictorSource>;
  predictorThreads?: PredictorThreads;
  /** Threads that score whole chunks with their own DuckDB (BATCH_CHUNK_THREADS); absent: every chunk on the main thread. */
  chunkThreads?: ChunkThreads;
  /** Registered model versions loaded by this worker (the spec's `model`); made from the stage when absent. */
  models?: ModelCache;
  /** The schema that {schema} resolves to (from BATCH_ENV). */
  schema: string;
  defaultParallelism: number;
  maxSplits: number;
  /** Rows per record batch handed to a predictor. */
  batchRows?: number;
  /** Object metadata for S3 sensors. */
  objects?: ObjectMetadataSource;
  /** A run whose query returns more rows fails in preparing (BATCH_MAX_INPUT_ROWS); no limit when absent. */
  maxInputRows?: number;
  /** Runs of one tenant that may be past the queue at once (BATCH_MAX_CONCURRENT_JOBS). */
  maxConcurrentJobs?: number;
  /** BATCH_TENANTS_FILE: each tenant's writable tables; absent, one user and `warehouse` for all. */
  tenants?: Tenants;
  /** Each tenant's own warehouse (its DuckDB file or Snowflake role); used whenever tenants are set. */
  tenantWarehouses?: TenantWarehouses;
  /** The Kafka destination's settings (BATCH_KAFKA_*); absent: no brokers configured. */
  kafka?: KafkaSettings;
}

export interface ActivityContext extends ActivityDeps {
  manifests: ManifestCache;
  models: ModelCache;
}
