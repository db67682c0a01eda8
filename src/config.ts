// The one place that reads process.env: everything else receives a typed Config.
import { z } from 'zod';
import { IDENTIFIER, QUALIFIED_NAME } from './spec/identifiers.js';

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
  // The V8 heap of each predictor thread; a model that goes over it is stopped (ArrayBuffers are not counted).
  BATCH_PREDICTOR_MAX_MEMORY_MB: intFromEnv(2048, 16, 65_536),
  // S3 stage: the standard AWS variables; credentials fall back to the SDK's default chain when unset.
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  AWS_ENDPOINT_URL_S3: z.url('use a URL such as http://localhost:9000').optional(),
  AWS_ENDPOINT_URL: z.url('use a URL such as http://localhost:9000').optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
  BATCH_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  // Snowflake warehouse: read only when BATCH_WAREHOUSE=snowflake.
  SNOWFLAKE_ACCOUNT: z.string().min(1).optional(),
  SNOWFLAKE_USER: z.string().min(1).optional(),
  SNOWFLAKE_PASSWORD: z.string().min(1).optional(),
  SNOWFLAKE_PRIVATE_KEY_PATH: z.string().min(1).optional(),
  SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: z.string().min(1).optional(),
  SNOWFLAKE_ROLE: z.string().min(1).optional(),
  SNOWFLAKE_DATABASE: z.string().regex(IDENTIFIER, 'use a database name (letters, digits, _ and $)').optional(),
  SNOWFLAKE_SCHEMA: z.string().regex(IDENTIFIER, 'use a schema name (letters, digits, _ and $)').optional(),
  SNOWFLAKE_WAREHOUSE: z.string().regex(IDENTIFIER, 'use a warehouse name (letters, digits, _ and $)').optional(),
  SNOWFLAKE_STAGE: z.string().regex(QUALIFIED_NAME, 'use the name of a stage over the BATCH_STAGE S3 location, e.g. BATCH_STAGE or db.schema.BATCH_STAGE').optional(),
  SNOWFLAKE_HOST: z.string().min(1).optional(),
  SNOWFLAKE_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  SNOWFLAKE_PROTOCOL: z.enum(['http', 'https']).optional(),
  SNOWFLAKE_POOL_SIZE: intFromEnv(4, 1, 64),
  SNOWFLAKE_CONNECT_TIMEOUT_MS: intFromEnv(60_000, 100, 3_600_000),
  BATCH_MAX_INPUT_ROWS: intFromEnv(10_000_000, 1, Number.MAX_SAFE_INTEGER),
  BATCH_MAX_CONCURRENT_JOBS: intFromEnv(3, 1, 10_000),
  BATCH_RESULT_TTL_HOURS: intFromEnv(168, 1, 87_600),
  // token:tenant pairs, comma-separated; the tokens are secrets and never appear in messages.
  BATCH_API_TOKENS: z
    .string()
    .default('')
    .refine((v) => parseApiTokens(v) !== null, 'use token:tenant pairs separated by commas (tenant: letters, digits, _ . -; tokens at least 8 characters)'),
  BATCH_API_HOST: z.string().min(1).default('127.0.0.1'),
  BATCH_API_PORT: intFromEnv(8000, 0, 65_535),
}).superRefine((c, ctx) => {
  if (c.BATCH_WAREHOUSE !== 'snowflake') return;
  const need = (key: keyof typeof c, message: string) => {
    if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message });
  };
  need('SNOWFLAKE_ACCOUNT', 'required with BATCH_WAREHOUSE=snowflake: your account identifier, e.g. myorg-myaccount');
  need('SNOWFLAKE_USER', 'required with BATCH_WAREHOUSE=snowflake: the user the worker connects as');
  need('SNOWFLAKE_STAGE', 'required with BATCH_WAREHOUSE=snowflake: a stage whose URL is the BATCH_STAGE S3 location');
  if (!c.SNOWFLAKE_PASSWORD && !c.SNOWFLAKE_PRIVATE_KEY_PATH) {
    ctx.addIssue({ code: 'custom', path: ['SNOWFLAKE_PASSWORD'], message: 'set SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH (key-pair auth)' });
  }
  if (!c.BATCH_STAGE.startsWith('s3://')) {
    ctx.addIssue({ code: 'custom', path: ['BATCH_STAGE'], message: 'Snowflake unloads to and loads from S3: use BATCH_STAGE=s3://bucket/prefix, the location of SNOWFLAKE_STAGE' });
  }
});

export const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** token → tenant from "token1:tenantA,token2:tenantB"; null when malformed. */
export function parseApiTokens(raw: string): Record<string, string> | null {
  const tokens: Record<string, string> = {};
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.lastIndexOf(':');
    const token = entry.slice(0, at);
    const tenant = entry.slice(at + 1);
    if (at < 0 || token.length < 8 || !TENANT_NAME.test(tenant) || token in tokens) return null;
    tokens[token] = tenant;
  }
  return tokens;
}

export type RawConfig = z.infer<typeof configSchema>;

export interface SnowflakeSettings {
  account: string;
  username: string;
  password?: string;
  privateKeyPath?: string;
  privateKeyPassphrase?: string;
  role?: string;
  database?: string;
  schema?: string;
  warehouse?: string;
  /** The Snowflake stage over the S3 location of BATCH_STAGE. */
  stage: string;
  /** Another endpoint than <account>.snowflakecomputing.com, e.g. a local test peer. */
  accessUrl?: string;
  poolSize: number;
  /** How long an operation waits for a pooled connection before failing (and being retried). */
  connectTimeoutMs: number;
}

export interface S3Settings {
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface Config {
  temporal: { address?: string; namespace: string; taskQueue: string; cli: string };
  warehouse: { kind: 'duckdb'; path: string } | ({ kind: 'snowflake' } & SnowflakeSettings);
  stage: { kind: 'file'; root: string } | { kind: 's3'; url: string };
  s3: S3Settings;
  dataDir: string;
  env: 'dev' | 'prod';
  schema: string;
  predictorModules: string[];
  defaultParallelism: number;
  maxSplits: number;
  maxConcurrentActivities: number;
  /** Heap limit of each predictor thread (BATCH_PREDICTOR_MAX_MEMORY_MB). */
  predictorMaxMemoryMb: number;
  /** A run whose query returns more rows fails in preparing. */
  maxInputRows: number;
  /** Runs per tenant past `submitted` at once; the rest wait in order. */
  maxConcurrentJobs: number;
  /** Staged files and file results of runs closed longer ago are deleted by the cleanup schedule. */
  resultTtlHours: number;
  /** The HTTP API (`batch-inference serve`): bearer token → tenant, and where it listens. */
  api: { tokens: Record<string, string>; host: string; port: number };
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
      ? { kind: 'snowflake', ...snowflakeSettings(c) }
      : { kind: 'duckdb', path: c.BATCH_WAREHOUSE.slice('duckdb:'.length) },
    stage: c.BATCH_STAGE.startsWith('file:')
      ? { kind: 'file', root: c.BATCH_STAGE.slice('file:'.length) }
      : { kind: 's3', url: c.BATCH_STAGE },
    s3: s3Settings(c),
    dataDir: c.BATCH_DATA_DIR,
    env: c.BATCH_ENV,
    schema: c.BATCH_ENV === 'prod' ? c.BATCH_SCHEMA_PROD : c.BATCH_SCHEMA_DEV,
    predictorModules: c.BATCH_PREDICTORS.split(/[,:]/).map((s) => s.trim()).filter(Boolean),
    defaultParallelism: c.BATCH_DEFAULT_PARALLELISM,
    maxSplits: c.BATCH_MAX_SPLITS,
    maxConcurrentActivities: c.BATCH_MAX_CONCURRENT_ACTIVITIES,
    predictorMaxMemoryMb: c.BATCH_PREDICTOR_MAX_MEMORY_MB,
    maxInputRows: c.BATCH_MAX_INPUT_ROWS,
    maxConcurrentJobs: c.BATCH_MAX_CONCURRENT_JOBS,
    resultTtlHours: c.BATCH_RESULT_TTL_HOURS,
    api: { tokens: parseApiTokens(c.BATCH_API_TOKENS) ?? {}, host: c.BATCH_API_HOST, port: c.BATCH_API_PORT },
  };
}

function snowflakeSettings(c: RawConfig): SnowflakeSettings {
  const accessUrl = c.SNOWFLAKE_HOST
    ? `${c.SNOWFLAKE_PROTOCOL ?? 'https'}://${c.SNOWFLAKE_HOST}${c.SNOWFLAKE_PORT ? `:${c.SNOWFLAKE_PORT}` : ''}`
    : undefined;
  return {
    account: c.SNOWFLAKE_ACCOUNT!,
    username: c.SNOWFLAKE_USER!,
    password: c.SNOWFLAKE_PASSWORD,
    privateKeyPath: c.SNOWFLAKE_PRIVATE_KEY_PATH,
    privateKeyPassphrase: c.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE,
    role: c.SNOWFLAKE_ROLE,
    database: c.SNOWFLAKE_DATABASE,
    schema: c.SNOWFLAKE_SCHEMA,
    warehouse: c.SNOWFLAKE_WAREHOUSE,
    stage: c.SNOWFLAKE_STAGE!,
    accessUrl,
    poolSize: c.SNOWFLAKE_POOL_SIZE,
    connectTimeoutMs: c.SNOWFLAKE_CONNECT_TIMEOUT_MS,
  };
}

function s3Settings(c: RawConfig): S3Settings {
  const endpoint = c.AWS_ENDPOINT_URL_S3 ?? c.AWS_ENDPOINT_URL;
  return {
    region: c.AWS_REGION ?? c.AWS_DEFAULT_REGION ?? 'us-east-1',
    endpoint,
    // S3-compatible stores (MinIO, SeaweedFS, moto) answer on one host: address buckets by path.
    forcePathStyle: c.BATCH_S3_FORCE_PATH_STYLE ? c.BATCH_S3_FORCE_PATH_STYLE === 'true' : endpoint !== undefined,
    credentials: c.AWS_ACCESS_KEY_ID && c.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: c.AWS_ACCESS_KEY_ID, secretAccessKey: c.AWS_SECRET_ACCESS_KEY, sessionToken: c.AWS_SESSION_TOKEN }
      : undefined,
  };
}
