// `batch-inference run <spec> [--wait] [--json]`
import { WorkflowExecutionAlreadyStartedError, type BatchInferenceClient } from '../../../client.js';
import type { Config } from '../../../config.js';
import type { Progress } from '../../../workflows/run/contract.js';
import { reportRunEnd } from '../runEnd.js';
import { openSession } from '../session.js';
import { readSpecFile } from '../specFile.js';
import { exitCodeOf, stopSignal, whenStopped } from '../stopSignals.js';
import { EXIT_OK, UsageError } from '../usage.js';
import { watchRun } from '../watch.js';

/** A run id a user may choose: what Temporal and the stage paths accept. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/;

export async function runCommand(config: Config, file: string, flags: { wait: boolean; json: boolean; runId?: string }): Promise<number> {
  if (flags.runId !== undefined && !RUN_ID.test(flags.runId)) {
    throw new UsageError(
      `--run-id: got ${JSON.stringify(flags.runId)}; use 1 to 200 letters, digits and _ . : @ - starting with a letter or digit`,
    );
  }
  const { spec, baseDir } = readSpecFile(file);
  const stop = stopSignal();
  const session = await openSession(config, { worker: 'if-ephemeral', signal: stop }).catch((err: unknown) => {
    if (stop.aborted) return undefined; // stopped while its dev server started: that server is gone already
    throw err;
  });
  if (!session) return exitCodeOf(stop.reason as NodeJS.Signals);
  try {
    // Stopped while connecting: nothing was started.
    if (stop.aborted) return exitCodeOf(stop.reason as NodeJS.Signals);
    // With --run-id a repeat (a retry after a lost answer) never starts a second run: it follows the first.
    const runId = await session.client.startBatchInference(spec, { baseDir, runId: flags.runId, onlyOnce: flags.runId !== undefined }).then(
      (started) => started.runId,
      (err: unknown) => {
        if (flags.runId !== undefined && err instanceof WorkflowExecutionAlreadyStartedError) return flags.runId;
        throw err;
      },
    );
    // With an ephemeral server the worker lives in this process: leaving would strand the run.
    const wait = flags.wait || session.ephemeral;
    if (!wait) {
      console.log(flags.json ? JSON.stringify({ runId }) : runId);
      return EXIT_OK;
    }
    if (!flags.json) {
      console.log(runId);
      if (!flags.wait)
        console.error(
          'No Temporal server is configured, so this command hosts the run and waits for it (start `batch-inference dev` to run in the background).',
        );
    }
    // The stop aborts the waiting calls too, so none is left retrying on a closed connection.
    const end: Awaited<ReturnType<typeof settle>> | NodeJS.Signals = await session.client.calls.withAbortSignal(stop, () =>
      Promise.race([flags.json ? settle(session.client, runId) : watchRun(session.client, runId, undefined, stop), whenStopped(stop)]),
    );
    if (typeof end === 'string') {
      // Only the waiting stops: the run is durable and goes on (or resumes) on a worker.
      const where = session.ephemeral
        ? "it resumes when a worker next runs on this folder's Temporal (e.g. `batch-inference dev`)"
        : 'it goes on on the Temporal server';
      console.error(`Stopped waiting for run ${runId} on ${end}; ${where}. Follow it with: batch-inference status ${runId}`);
      return exitCodeOf(end);
    }
    return await reportRunEnd(session.client, runId, end, flags.json);
  } finally {
    await session.close();
  }
}

/** Waits without drawing anything, then reads the final state (a failure is reported through it). */
async function settle(client: BatchInferenceClient, runId: string): Promise<Progress> {
  await client.waitForResult(runId).catch(() => {});
  return client.getProgress(runId);
}
