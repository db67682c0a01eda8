// Snowflake's settings: the SNOWFLAKE_* variables, validated where the backend lives. config.ts merges
// this schema into the one environment read; nothing here touches process.env.
import { z } from 'zod';
import { IDENTIFIER, QUALIFIED_NAME } from '../../../spec/identifiers.js';

const intFromEnv = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const snowflakeEnv = {
  SNOWFLAKE_ACCOUNT: z.string().min(1).optional(),
  SNOWFLAKE_USER: z.string().min(1).optional(),
  SNOWFLAKE_PASSWORD: z.string().min(1).optional(),
  SNOWFLAKE_PRIVATE_KEY_PATH: z.string().min(1).optional(),
  SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: z.string().min(1).optional(),
  SNOWFLAKE_ROLE: z.string().min(1).optional(),
  SNOWFLAKE_DATABASE: z.string().regex(IDENTIFIER, 'use a database name (letters, digits, _ and $)').optional(),
  SNOWFLAKE_SCHEMA: z.string().regex(IDENTIFIER, 'use a schema name (letters, digits, _ and $)').optional(),
  SNOWFLAKE_WAREHOUSE: z.string().regex(IDENTIFIER, 'use a warehouse name (letters, digits, _ and $)').optional(),
  SNOWFLAKE_STAGE: z
    .string()
    .regex(QUALIFIED_NAME, 'use the name of a stage over the BATCH_STAGE S3 location, e.g. BATCH_STAGE or db.schema.BATCH_STAGE')
    .optional(),
  SNOWFLAKE_HOST: z.string().min(1).optional(),
  SNOWFLAKE_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  SNOWFLAKE_PROTOCOL: z.enum(['http', 'https']).optional(),
  SNOWFLAKE_POOL_SIZE: intFromEnv(4, 1, 64),
  SNOWFLAKE_CONNECT_TIMEOUT_MS: intFromEnv(60_000, 100, 3_600_000),
};

type SnowflakeEnv = z.infer<z.ZodObject<typeof snowflakeEnv>> & { BATCH_STAGE: string };

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
  /** BATCH_STAGE, which the stage's URL must be (checked at worker start). */
  batchStage?: string;
  /** Another endpoint than <account>.snowflakecomputing.com, e.g. a local test peer. */
  accessUrl?: string;
  poolSize: number;
  /** How long an operation waits for a pooled connection before failing (and being retried). */
  connectTimeoutMs: number;
}

/** What is missing or contradictory when BATCH_WAREHOUSE=snowflake, as [variable, fix] pairs. */
export function snowflakeProblems(c: SnowflakeEnv): [string, string][] {
  const problems: [string, string][] = [];
  const need = (key: keyof SnowflakeEnv, message: string) => {
    if (!c[key]) problems.push([key, message]);
  };
  need('SNOWFLAKE_ACCOUNT', 'required with BATCH_WAREHOUSE=snowflake: your account identifier, e.g. myorg-myaccount');
  need('SNOWFLAKE_USER', 'required with BATCH_WAREHOUSE=snowflake: the user the worker connects as');
  need('SNOWFLAKE_STAGE', 'required with BATCH_WAREHOUSE=snowflake: a stage whose URL is the BATCH_STAGE S3 location');
  if (!c.SNOWFLAKE_PASSWORD && !c.SNOWFLAKE_PRIVATE_KEY_PATH) {
    problems.push(['SNOWFLAKE_PASSWORD', 'set SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH (key-pair auth)']);
  }
  if (!c.BATCH_STAGE.startsWith('s3://')) {
    problems.push([
      'BATCH_STAGE',
      'Snowflake unloads to and loads from S3: use BATCH_STAGE=s3://bucket/prefix, the location of SNOWFLAKE_STAGE',
    ]);
  }
  return problems;
}

export function snowflakeSettings(c: SnowflakeEnv): SnowflakeSettings {
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
    batchStage: c.BATCH_STAGE,
    accessUrl,
    poolSize: c.SNOWFLAKE_POOL_SIZE,
    connectTimeoutMs: c.SNOWFLAKE_CONNECT_TIMEOUT_MS,
  };
}
