// Every stage kind, one entry each: how BATCH_STAGE names it and how it opens (the AWS SDK loads only
// when the stage is S3, so local runs start fast). Adding a stage is one folder and one entry here.
import path from 'node:path';
import type { S3Settings } from './s3/settings.js';
import type { Stage } from './stage.js';

export type StageSettings = { kind: 'file'; root: string } | { kind: 's3'; url: string };

export const STAGE_URL = /^(file:.+|s3:\/\/.+)$/;
export const STAGE_URL_HELP = 'use file:<folder> or s3://bucket/prefix';

export function stageSettings(url: string): StageSettings {
  return url.startsWith('file:') ? { kind: 'file', root: url.slice('file:'.length) } : { kind: 's3', url };
}

const KINDS = {
  file: async (s: StageSettings & { kind: 'file' }) => new (await import('./local/localStage.js')).LocalStage(s.root),
  s3: async (s: StageSettings & { kind: 's3' }, s3: S3Settings, dataDir: string) => {
    const [{ S3Stage }, { createS3Client }] = await Promise.all([import('./s3/s3Stage.js'), import('./s3/s3Client.js')]);
    const stage = new S3Stage(createS3Client(s3), s.url, path.resolve(dataDir, 'scratch'));
    // Files a killed worker left in the local scratch folder; a day is far longer than any live transfer.
    await stage.sweepScratch(24 * 3_600_000);
    return stage;
  },
};

/** The configured stage. */
export async function createStage(config: { stage: StageSettings; s3: S3Settings; dataDir: string }): Promise<Stage> {
  const s = config.stage;
  return s.kind === 'file' ? KINDS.file(s) : KINDS.s3(s, config.s3, config.dataDir);
}
