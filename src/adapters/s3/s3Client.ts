// The S3 client of this process, from the S3 settings in Config (endpoint, region, credentials; the
// standard AWS chain when no keys are configured).
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../config.js';

export function createS3Client(config: Config): S3Client {
  const { endpoint, region, forcePathStyle, credentials } = config.s3;
  return new S3Client({ region, endpoint, forcePathStyle, credentials });
}
