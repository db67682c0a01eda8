import path from 'node:path';
import type { Config } from '../../config.js';
import { createS3Client } from '../s3/s3Client.js';
import { LocalStage } from './localStage.js';
import { S3Stage } from './s3Stage.js';
import type { Stage } from './stage.js';

export function createStage(config: Config): Stage {
  if (config.stage.kind === 'file') return new LocalStage(config.stage.root);
  return new S3Stage(createS3Client(config.s3), config.stage.url, path.resolve(config.dataDir, 'scratch'));
}
