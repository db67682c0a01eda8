// The one place that reads process.env: everything else receives a typed Config.
import { z } from 'zod';
import { STAGE_URL, STAGE_URL_HELP, stageSettings, type StageSettings } from './adapters/stage/registry.js';
import { s3Env, s3Problems, s3Settings, type S3Settings } from './adapters/stage/s3/settings.js';
import { kafkaEnv, kafkaProblems, kafkaSettings, type KafkaSettings } from './adapters/kafka/settings.js';
import {
  WAREHOUSE_URL,
  WAREHOUSE_URL_HELP,
  warehouseEnv,
  warehouseProblems,
  warehouseSettings,
  type WarehouseSettings,
} from './adapters/warehouse/registry.js';
import { loadTenantsFile, TENANT_NAME, type Tenants } from './tenants/tenantsFile.js';

const CHUNK_THREADS_HELP = 'set a whole number of threads from 0 (chunk threads off) to 1024, or leave it unset for one per core';

const intFromEnv = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const configSchema = z
  .object({
    TEMPORAL_ADDRESS: z.string().min(1).optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('batch-inference'),
    TEMPORAL_CLI: z.string().min(1).default('temporal'),
    BATCH_WAREHOUSE: z.string().regex(WAREHOUSE_URL, WAREHOUSE_URL_HELP).default('duckdb:.data/warehouse.duckdb'),
    BATCH_STAGE: z.string().regex(STAGE_URL, STAGE_URL_HELP).default('file:.data/stage'),
    BATCH_DATA_DIR: z.string().min(1).default('.data'),
    BATCH_ENV: z.enum(['dev', 'prod']).default('dev'),
    BATCH_SCHEMA_DEV: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/)
      .default('dev'),
    BATCH_SCHEMA_PROD: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/)
      .default('prod'),
    BATCH_PREDICTORS: z.string().default(''),
    BATCH_DEFAULT_PARALLELISM: intFromEnv(4, 1, 1000),
    BATCH_MAX_SPLITS: intFromEnv(100, 1, 1000),
    BATCH_MAX_CONCURRENT_ACTIVITIES: intFromEnv(8, 1, 1000),
    // The V8 heap of each predictor thread; a model that goes over it is stopped (ArrayBuffers are not counted).
    BATCH_PREDICTOR_MAX_MEMORY_MB: intFromEnv(2048, 16, 65_536),
    // Threads that score whole chunks with their own DuckDB; 0: every chunk on the main thread. Unset: a thread per core, at most one per slot.
    BATCH_CHUNK_THREADS: z
      .string()
      .refine((v) => /^\d+$/.test(v.trim()) && Number(v) <= 1024, { error: (i) => `got "${String(i.input)}"; ${CHUNK_THREADS_HELP}` })
      .transform(Number)
      .optional(),
    // `trusted`: the operator vouches for BATCH_PREDICTORS modules, which then score on chunk threads too.
    BATCH_CHUNK_THREAD_MODULES: z
      .enum(['trusted', 'isolated'], { error: (i) => `got "${String(i.input)}"; set trusted or isolated (the default)` })
      .default('isolated'),
    // The interpreter of Python models (a virtual environment's bin/python, say), and the resident
    // memory above which a model process is restarted between chunks.
    BATCH_PYTHON: z.string().min(1).default('python3'),
    BATCH_PYTHON_MAX_RSS_MB: intFromEnv(4096, 64, 1_048_576),
    // Registered model versions a worker keeps loaded (artifact bytes); idle ones beyond it are closed.
    BATCH_MODEL_CACHE_MB: intFromEnv(1024, 1, 1_048_576),
    // What one Python model archive may unpack to on a worker (and hold at registration): a tar bomb stops here.
    BATCH_MODEL_UNPACK_MB: intFromEnv(2048, 1, 1_048_576),
    BATCH_MODEL_UNPACK_FILES: intFromEnv(10_000, 1, 10_000_000),
    ...s3Env,
    ...warehouseEnv,
    ...kafkaEnv,
    BATCH_MAX_INPUT_ROWS: intFromEnv(10_000_000, 1, Number.MAX_SAFE_INTEGER),
    BATCH_MAX_CONCURRENT_JOBS: intFromEnv(3, 1, 10_000),
    BATCH_RESULT_TTL_HOURS: intFromEnv(168, 1, 87_600),
    // token:tenant pairs, comma-separated; the tokens are secrets and never appear in messages.
    BATCH_API_TOKENS: z
      .string()
      .default('')
      .refine(
        (v) => parseApiTokens(v) !== null,
        'use token:tenant pairs separated by commas (tenant: letters, digits, _ . -; tokens at least 8 characters)',
      ),
    BATCH_API_HOST: z.string().min(1).default('127.0.0.1'),
    BATCH_API_PORT: intFromEnv(8000, 0, 65_535),
    // Tenants as a boundary the database enforces (src/tenants/tenantsFile.ts); unset: one user.
    BATCH_TENANTS_FILE: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    for (const [key, message] of [...warehouseProblems(c.BATCH_WAREHOUSE, c), ...s3Problems(c), ...kafkaProblems(c)]) {
      ctx.addIssue({ code: 'custom', path: [key], message });
    }
  });

export { TENANT_NAME };

/** token → tenant from "token1:tenantA,token2:tenantB"; null when malformed. */
export function parseApiTokens(raw: string): Record<string, string> | null {
  const tokens: Record<string, string> = {};
  for (const entry of raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.lastIndexOf(':');
    const token = entry.slice(0, at);
    const tenant = entry.slice(at + 1);
    if (at < 0 || token.length < 8 || !TENANT_NAME.test(tenant) || token in tokens) return null;
    tokens[token] = tenant;
  }
  return tokens;
}

export type RawConfig = z.infer<typeof configSchema>;

export interface Config {
  temporal: { address?: string; namespace: string; taskQueue: string; cli: string };
  warehouse: WarehouseSettings;
  stage: StageSettings;
  s3: S3Settings;
  /** The Kafka destination: brokers, TLS/SASL, topic defaults (BATCH_KAFKA_*). */
  kafka: KafkaSettings;
  dataDir: string;
  env: 'dev' | 'prod';
  schema: string;
  predictorModules: string[];
  defaultParallelism: number;
  maxSplits: number;
  maxConcurrentActivities: number;
  /** Heap limit of each predictor thread (BATCH_PREDICTOR_MAX_MEMORY_MB). */
  predictorMaxMemoryMb: number;
  /** BATCH_CHUNK_THREADS: size of the worker's pool of chunk threads (0: none); unset, the worker's default. */
  chunkThreads?: number;
  /** BATCH_CHUNK_THREAD_MODULES=trusted: BATCH_PREDICTORS modules score on chunk threads too. */
  trustModulesOnChunkThreads: boolean;
  /** Python model processes: BATCH_PYTHON and BATCH_PYTHON_MAX_RSS_MB. */
  python: { executable: string; maxRssMb: number };
  /** Artifact bytes of registered model versions a worker keeps loaded (BATCH_MODEL_CACHE_MB). */
  modelCacheMb: number;
  /** Bytes and entries a Python model archive may unpack to (BATCH_MODEL_UNPACK_MB, BATCH_MODEL_UNPACK_FILES). */
  modelUnpack: { maxMb: number; maxFiles: number };
  /** A run whose query returns more rows fails in preparing. */
  maxInputRows: number;
  /** Runs per tenant past `submitted` at once; the rest wait in order. */
  maxConcurrentJobs: number;
  /** Staged files and file results of runs closed longer ago are deleted by the cleanup schedule. */
  resultTtlHours: number;
  /** The HTTP API (`batch-inference serve`): bearer token → tenant, and where it listens. */
  api: { tokens: Record<string, string>; host: string; port: number };
  /** Each tenant's database (DuckDB file or Snowflake role) and writable tables; absent: one user, as before tenants. */
  tenants?: Tenants;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means unset (docker compose passes `${X:-}` through as '').
  const parsed = configSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return {
    temporal: {
      address: c.TEMPORAL_ADDRESS,
      namespace: c.TEMPORAL_NAMESPACE,
      taskQueue: c.TEMPORAL_TASK_QUEUE,
      cli: c.TEMPORAL_CLI,
    },
    warehouse: warehouseSettings(c.BATCH_WAREHOUSE, c),
    stage: stageSettings(c.BATCH_STAGE),
    s3: s3Settings(c),
    kafka: kafkaSettings(c),
    dataDir: c.BATCH_DATA_DIR,
    env: c.BATCH_ENV,
    schema: c.BATCH_ENV === 'prod' ? c.BATCH_SCHEMA_PROD : c.BATCH_SCHEMA_DEV,
    predictorModules: c.BATCH_PREDICTORS.split(/[,:]/)
      .map((s) => s.trim())
      .filter(Boolean),
    defaultParallelism: c.BATCH_DEFAULT_PARALLELISM,
    maxSplits: c.BATCH_MAX_SPLITS,
    maxConcurrentActivities: c.BATCH_MAX_CONCURRENT_ACTIVITIES,
    predictorMaxMemoryMb: c.BATCH_PREDICTOR_MAX_MEMORY_MB,
    chunkThreads: c.BATCH_CHUNK_THREADS,
    trustModulesOnChunkThreads: c.BATCH_CHUNK_THREAD_MODULES === 'trusted',
    python: { executable: c.BATCH_PYTHON, maxRssMb: c.BATCH_PYTHON_MAX_RSS_MB },
    modelCacheMb: c.BATCH_MODEL_CACHE_MB,
    modelUnpack: { maxMb: c.BATCH_MODEL_UNPACK_MB, maxFiles: c.BATCH_MODEL_UNPACK_FILES },
    maxInputRows: c.BATCH_MAX_INPUT_ROWS,
    maxConcurrentJobs: c.BATCH_MAX_CONCURRENT_JOBS,
    resultTtlHours: c.BATCH_RESULT_TTL_HOURS,
    api: { tokens: parseApiTokens(c.BATCH_API_TOKENS) ?? {}, host: c.BATCH_API_HOST, port: c.BATCH_API_PORT },
    ...(c.BATCH_TENANTS_FILE
      ? { tenants: tenantsOrConfigError(c.BATCH_TENANTS_FILE, c.BATCH_WAREHOUSE === 'snowflake' ? 'snowflake' : 'duckdb') }
      : {}),
  };
}

function tenantsOrConfigError(file: string, kind: 'duckdb' | 'snowflake'): Tenants {
  try {
    return loadTenantsFile(file, kind);
  } catch (err) {
    throw new ConfigError(`Invalid environment:\n  BATCH_TENANTS_FILE: ${(err as Error).message}`);
  }
}
