// `batch-inference cancel <runId>`
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Config } from '../../../config.js';
import { openSession } from '../session.js';
import { EXIT_OK, UsageError } from '../usage.js';

export async function cancelCommand(config: Config, runId: string): Promise<number> {
  const session = await openSession(config, { worker: 'if-ephemeral' });
  try {
    await session.client.cancelRun(runId).catch((err) => {
      if (err instanceof WorkflowNotFoundError) throw new UsageError(`No open run ${runId}`);
      throw err;
    });
    console.log(`Cancellation requested for ${runId}`);
    // With an ephemeral server the worker lives in this process: stay until the run has cleaned up.
    if (session.ephemeral) await session.client.waitForResult(runId).catch(() => {});
    return EXIT_OK;
  } finally {
    await session.close();
  }
}
