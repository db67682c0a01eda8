// The one place that reads process.env: everything else receives a typed Config.
import { z } from 'zod';

const intFromEnv = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const configSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('batch-inference'),
  TEMPORAL_CLI: z.string().min(1).default('temporal'),
  BATCH_WAREHOUSE: z
    .string()
    .regex(/^(duckdb:.+|snowflake)$/, 'use duckdb:<path to .duckdb file> or snowflake')
    .default('duckdb:.data/warehouse.duckdb'),
  BATCH_STAGE: z
    .string()
    .regex(/^(file:.+|s3:\/\/.+)$/, 'use file:<folder> or s3://bucket/prefix')
    .default('file:.data/stage'),
  BATCH_DATA_DIR: z.string().min(1).default('.data'),
  BATCH_ENV: z.enum(['dev', 'prod']).default('dev'),
  BATCH_SCHEMA_DEV: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/).default('dev'),
  BATCH_SCHEMA_PROD: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/).default('prod'),
  BATCH_PREDICTORS: z.string().default(''),
  BATCH_DEFAULT_PARALLELISM: intFromEnv(4, 1, 1000),
  BATCH_MAX_SPLITS: intFromEnv(100, 1, 1000),
  BATCH_MAX_CONCURRENT_ACTIVITIES: intFromEnv(8, 1, 1000),
  // S3 (sensors watching S3): the usual AWS variables. Without keys the SDK's standard chain is used.
  AWS_ENDPOINT_URL: z.string().url('use the URL of an S3-compatible endpoint, e.g. http://localhost:9000').optional(),
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
  AWS_S3_FORCE_PATH_STYLE: z.enum(['true', 'false', '1', '0']).optional(),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config {
  temporal: { address?: string; namespace: string; taskQueue: string; cli: string };
  warehouse: { kind: 'duckdb'; path: string } | { kind: 'snowflake' };
  stage: { kind: 'file'; root: string } | { kind: 's3'; url: string };
  dataDir: string;
  env: 'dev' | 'prod';
  schema: string;
  predictorModules: string[];
  defaultParallelism: number;
  maxSplits: number;
  maxConcurrentActivities: number;
  s3: {
    endpoint?: string;
    region: string;
    /** Bucket in the path, not the host name: what local S3 servers (MinIO, moto) need. */
    forcePathStyle: boolean;
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (Boolean(c.AWS_ACCESS_KEY_ID) !== Boolean(c.AWS_SECRET_ACCESS_KEY)) {
    throw new ConfigError('Invalid environment:\n  AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: set both, or neither to use the standard AWS credential chain');
  }
  return {
    temporal: {
      address: c.TEMPORAL_ADDRESS,
      namespace: c.TEMPORAL_NAMESPACE,
      taskQueue: c.TEMPORAL_TASK_QUEUE,
      cli: c.TEMPORAL_CLI,
    },
    warehouse: c.BATCH_WAREHOUSE === 'snowflake'
      ? { kind: 'snowflake' }
      : { kind: 'duckdb', path: c.BATCH_WAREHOUSE.slice('duckdb:'.length) },
    stage: c.BATCH_STAGE.startsWith('file:')
      ? { kind: 'file', root: c.BATCH_STAGE.slice('file:'.length) }
      : { kind: 's3', url: c.BATCH_STAGE },
    dataDir: c.BATCH_DATA_DIR,
    env: c.BATCH_ENV,
    schema: c.BATCH_ENV === 'prod' ? c.BATCH_SCHEMA_PROD : c.BATCH_SCHEMA_DEV,
    predictorModules: c.BATCH_PREDICTORS.split(/[,:]/).map((s) => s.trim()).filter(Boolean),
    defaultParallelism: c.BATCH_DEFAULT_PARALLELISM,
    maxSplits: c.BATCH_MAX_SPLITS,
    maxConcurrentActivities: c.BATCH_MAX_CONCURRENT_ACTIVITIES,
    s3: {
      endpoint: c.AWS_ENDPOINT_URL,
      region: c.AWS_REGION ?? c.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: c.AWS_S3_FORCE_PATH_STYLE ? ['true', '1'].includes(c.AWS_S3_FORCE_PATH_STYLE) : Boolean(c.AWS_ENDPOINT_URL),
      credentials: c.AWS_ACCESS_KEY_ID && c.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: c.AWS_ACCESS_KEY_ID, secretAccessKey: c.AWS_SECRET_ACCESS_KEY, sessionToken: c.AWS_SESSION_TOKEN }
        : undefined,
    },
  };
}
