// `batch-inference status <runId> [--json]`
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Config } from '../../../config.js';
import { progressLine } from '../format.js';
import { openSession } from '../session.js';
import { EXIT_OK, EXIT_RUN_FAILED, UsageError } from '../usage.js';

export async function statusCommand(config: Config, runId: string, flags: { json: boolean }): Promise<number> {
  const session = await openSession(config, { worker: 'never' });
  try {
    const run = await session.client.describeRun(runId).catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) throw new UsageError(`No run ${runId} on ${session.config.temporal.address}`);
      throw err;
    });
    if (!run.closedState && !session.hasWorker) {
      // Nothing polls this task queue, so the progress query could not be answered.
      const line = {
        runId,
        state: 'running',
        note: 'no worker is running for it; start `batch-inference dev` or `batch-inference worker`',
      };
      console.log(flags.json ? JSON.stringify(line) : `${runId}: running (${line.note})`);
      return EXIT_OK;
    }
    const progress = await session.client.getProgress(runId);
    if (flags.json) console.log(JSON.stringify(progress));
    else {
      console.log(`${runId}\n${progressLine(progress)}`);
      if (progress.estimatedCompletion) console.log(`estimated completion ${progress.estimatedCompletion}`);
      if (progress.model) {
        const m = progress.model;
        console.log(`model ${m.name}@${m.version} (${m.function}, ${m.kind}, sha256 ${m.sha256})`);
      }
      if (progress.error) console.log(`error: ${progress.error}`);
      if (progress.resumeOf) console.log(`resumes ${progress.resumeOf}`);
      if (progress.resumedBy) console.log(`resumed by ${progress.resumedBy}`);
    }
    return progress.state === 'failed' ? EXIT_RUN_FAILED : EXIT_OK;
  } finally {
    await session.close();
  }
}
