import path from 'node:path';
import type { Config } from '../../config.js';
import { LocalStage } from './local/localStage.js';
import type { Stage } from './stage.js';

/** The configured stage. The AWS SDK loads only when the stage is S3, so local runs start fast. */
export async function createStage(config: Config): Promise<Stage> {
  if (config.stage.kind === 'file') return new LocalStage(config.stage.root);
  const [{ S3Stage }, { createS3Client }] = await Promise.all([import('./s3/s3Stage.js'), import('./s3/s3Client.js')]);
  const stage = new S3Stage(createS3Client(config.s3), config.stage.url, path.resolve(config.dataDir, 'scratch'));
  // Files a killed worker left in the local scratch folder; a day is far longer than any live transfer.
  await stage.sweepScratch(24 * 3_600_000);
  return stage;
}
