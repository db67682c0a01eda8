import type { Config } from '../../config.js';
import { LocalStage } from './localStage.js';
import type { Stage } from './stage.js';

export function createStage(config: Config): Stage {
  if (config.stage.kind === 'file') return new LocalStage(config.stage.root);
  throw new Error(`BATCH_STAGE=${config.stage.url}: the S3 stage is not built yet; use file:<folder>`);
}
