import { runPrefix } from '../adapters/stage/stage.js';
import type { ActivityContext } from './deps.js';

export interface DeleteRunFilesInput {
  runId: string;
}

/** Removes everything a run staged (input, output, manifest). Safe to repeat. */
export function makeDeleteRunFiles(ctx: ActivityContext) {
  return async function deleteRunFiles({ runId }: DeleteRunFilesInput): Promise<void> {
    await ctx.stage.deletePrefix(runPrefix(runId));
    ctx.manifests.forget(runId);
  };
}
