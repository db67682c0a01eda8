// The S3 stage's settings: the standard AWS variables, validated where the backend lives. config.ts merges
// this schema into the one environment read. Credentials fall back to the SDK's default chain when unset.
import { z } from 'zod';

export const s3Env = {
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  AWS_ENDPOINT_URL_S3: z.url('use a URL such as http://localhost:9000').optional(),
  AWS_ENDPOINT_URL: z.url('use a URL such as http://localhost:9000').optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
  BATCH_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
};

type S3Env = z.infer<z.ZodObject<typeof s3Env>>;

export interface S3Settings {
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** What is contradictory in the AWS variables, as [variable, fix] pairs. */
export function s3Problems(c: S3Env): [string, string][] {
  return Boolean(c.AWS_ACCESS_KEY_ID) !== Boolean(c.AWS_SECRET_ACCESS_KEY)
    ? [['AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY', 'set both, or neither to use the standard AWS credential chain']]
    : [];
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
  };
}
