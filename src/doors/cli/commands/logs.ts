// `batch-inference logs <runId> [--json]`: the run's timeline read from its history.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Config } from '../../../config.js';
import { openSession } from '../session.js';
import { timelineText } from '../timelineText.js';
import { EXIT_OK, UsageError } from '../usage.js';

export async function logsCommand(config: Config, runId: string, flags: { json: boolean }): Promise<number> {
  const session = await openSession(config, { worker: 'never' });
  try {
    const timeline = await session.client.runTimeline(runId).catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) throw new UsageError(`No run ${runId} on ${session.config.temporal.address}`);
      throw err;
    });
    console.log(flags.json ? JSON.stringify(timeline) : timelineText(timeline));
    return EXIT_OK;
  } finally {
    await session.close();
  }
}
