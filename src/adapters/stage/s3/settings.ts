// The S3 stage's settings: the standard AWS variables, validated where the backend lives. config.ts merges
// this schema into the one environment read. Credentials fall back to the SDK's default chain when unset.
import { z } from 'zod';
import type { S3Encryption } from './encryption.js';

export const s3Env = {
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  AWS_ENDPOINT_URL_S3: z.url('use a URL such as http://localhost:9000').optional(),
  AWS_ENDPOINT_URL: z.url('use a URL such as http://localhost:9000').optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
  BATCH_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  BATCH_S3_SSE: z.enum(['AES256', 'aws:kms'], { message: 'use AES256 or aws:kms (server-side encryption on every write)' }).optional(),
  BATCH_S3_KMS_KEY_ID: z.string().min(1).optional(),
};

type S3Env = z.infer<z.ZodObject<typeof s3Env>>;

export interface S3Settings {
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Server-side encryption sent with every write (BATCH_S3_SSE, BATCH_S3_KMS_KEY_ID). */
  encryption?: S3Encryption;
}

/** What is contradictory in the AWS variables, as [variable, fix] pairs. */
export function s3Problems(c: S3Env): [string, string][] {
  const problems: [string, string][] = [];
  if (Boolean(c.AWS_ACCESS_KEY_ID) !== Boolean(c.AWS_SECRET_ACCESS_KEY)) {
    problems.push(['AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY', 'set both, or neither to use the standard AWS credential chain']);
  }
  if (c.BATCH_S3_KMS_KEY_ID && c.BATCH_S3_SSE !== 'aws:kms') {
    problems.push(['BATCH_S3_KMS_KEY_ID', `a KMS key applies only with BATCH_S3_SSE=aws:kms (got ${c.BATCH_S3_SSE ?? 'unset'})`]);
  }
  return problems;
}

export function s3Settings(c: S3Env): S3Settings {
  const endpoint = c.AWS_ENDPOINT_URL_S3 ?? c.AWS_ENDPOINT_URL;
  return {
    region: c.AWS_REGION ?? c.AWS_DEFAULT_REGION ?? 'us-east-1',
    endpoint,
    // S3-compatible stores (MinIO, SeaweedFS, moto) answer on one host: address buckets by path.
    forcePathStyle: c.BATCH_S3_FORCE_PATH_STYLE ? c.BATCH_S3_FORCE_PATH_STYLE === 'true' : endpoint !== undefined,
    credentials:
      c.AWS_ACCESS_KEY_ID && c.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: c.AWS_ACCESS_KEY_ID, secretAccessKey: c.AWS_SECRET_ACCESS_KEY, sessionToken: c.AWS_SESSION_TOKEN }
        : undefined,
    encryption: c.BATCH_S3_SSE ? { mode: c.BATCH_S3_SSE, kmsKeyId: c.BATCH_S3_KMS_KEY_ID } : undefined,
  };
}
