// The worker door: hosts the workflows and the activities, with adapters chosen by configuration.
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelCache } from './models/cache.js';
import { createActivities } from './activities/index.js';
import { lazyS3Objects } from './adapters/stage/s3/lazyObjects.js';
import type { ObjectMetadataSource } from './adapters/stage/s3/s3Objects.js';
import { createStage } from './adapters/stage/registry.js';
import type { Stage } from './adapters/stage/stage.js';
import { createWarehouse } from './adapters/warehouse/registry.js';
import type { Warehouse } from './adapters/warehouse/warehouse.js';
import { loadConfig, type Config } from './config.js';
import { PredictorThreads } from './predictors/isolation/predictorThreads.js';
import { ChunkThreads, defaultChunkThreads } from './scoring/chunkThreads/chunkThreads.js';
import { pythonPoolFor } from './predictors/python/pythonPool.js';
import { unpackLimits } from './models/kinds/pythonArchiveBounds.js';
import { buildPredictorRegistry } from './predictors/registry.js';
import { TenantWarehouses } from './tenants/warehouses.js';
import { modulePredictorSources } from './predictors/sources.js';
import type { PredictorMap } from './predictors/types.js';
import { activityPollerBehavior } from './temporal/pollers.js';

// Beside this module: workflows/index.ts when it runs from the sources (tests, dev), index.js when built to dist/.
const moduleExtension = import.meta.url.slice(import.meta.url.lastIndexOf('.'));
export const workflowsPath = fileURLToPath(new URL(`./workflows/index${moduleExtension}`, import.meta.url));

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundles the workflow code once per process and reuses it for every worker. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  trace() {},
  debug() {},
  info() {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
  log() {},
};

export interface CreateWorkerOptions {
  config?: Config;
  connection?: NativeConnection;
  taskQueue?: string;
  /** Predictors added in code, next to the built-ins and BATCH_PREDICTORS modules. */
  predictors?: PredictorMap;
  stage?: Stage;
  warehouse?: Warehouse;
  maxConcurrentActivities?: number;
  batchRows?: number;
  /** Object metadata for S3 sensors (default: an S3 client from the AWS settings in config). */
  objects?: ObjectMetadataSource;
  /** How long in-flight activities may finish after shutdown is asked; then they are cancelled and retried elsewhere. */
  shutdownGraceTime?: number | string;
}

/** Short enough that a stopped CLI exits within seconds (doors/cli/stopSignals.ts); long enough for a chunk's last batch. */
export const SHUTDOWN_GRACE_TIME = '3s';
/** At most this long between a heartbeat and the server hearing it (and answering with a cancel). */
const HEARTBEAT_THROTTLE = '2s';

export async function createWorker(options: CreateWorkerOptions = {}): Promise<Worker> {
  const config = options.config ?? loadConfig();
  const connection = options.connection ?? (await NativeConnection.connect({ address: config.temporal.address ?? 'localhost:7233' }));
  const warehouse = options.warehouse ?? (await createWarehouse(config));
  // A warehouse whose stage is another place than BATCH_STAGE would unload where workers never look.
  if (!options.warehouse) await warehouse.verifyStage?.();
  const stage = options.stage ?? (await createStage(config));
  const activitySlots = options.maxConcurrentActivities ?? config.maxConcurrentActivities;
  // Chunk threads score whole chunks with their own DuckDB, so one worker process uses every core.
  const threadCount = config.chunkThreads ?? defaultChunkThreads(activitySlots);
  const chunkThreads =
    threadCount > 0 ? new ChunkThreads(threadCount, config.predictorMaxMemoryMb, config.trustModulesOnChunkThreads) : undefined;
  // One pool of Python model processes per worker, reused by every chunk and run of a model version.
  const python = pythonPoolFor({ python: config.python, maxConcurrentActivities: activitySlots });
  const models = new ModelCache(stage, path.resolve(config.dataDir, 'models'), config.modelCacheMb * 1024 * 1024, {
    python,
    unpack: unpackLimits(config),
  });
  const activities = createActivities({
    stage,
    models,
    warehouse,
    predictors: await buildPredictorRegistry(config.predictorModules, options.predictors),
    predictorSources: await modulePredictorSources(config.predictorModules, options.predictors),
    predictorThreads: new PredictorThreads(config.predictorMaxMemoryMb),
    chunkThreads,
    schema: config.schema,
    defaultParallelism: config.defaultParallelism,
    maxSplits: config.maxSplits,
    batchRows: options.batchRows,
    objects: options.objects ?? lazyS3Objects(config.s3),
    maxInputRows: config.maxInputRows,
    maxConcurrentJobs: config.maxConcurrentJobs,
    kafka: config.kafka,
    ...(config.tenants ? { tenants: config.tenants, tenantWarehouses: new TenantWarehouses(config, config.tenants) } : {}),
  });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: options.taskQueue ?? config.temporal.taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
    maxConcurrentActivityTaskExecutions: activitySlots,
    // Leaves slots free so that activities start eagerly, without a task-queue hop (temporal/pollers.ts).
    activityTaskPollerBehavior: activityPollerBehavior(activitySlots),
    shutdownGraceTime: options.shutdownGraceTime ?? SHUTDOWN_GRACE_TIME,
    // A cancel reaches an activity in a heartbeat's answer; the default throttle (up to 60 s) let a
    // cancelled or timed-out export run on for a minute.
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
  });
  // The worker's Python processes end with it: once run() returns, no activity uses them any more.
  const run = worker.run.bind(worker);
  worker.run = async () => {
    try {
      return await run();
    } finally {
      await models.close();
      await python.close();
      await chunkThreads?.close();
    }
  };
  return worker;
}
