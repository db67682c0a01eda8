// `batch-inference run <spec> [--wait] [--json]`
import type { BatchInferenceClient } from '../../../client.js';
import type { Config } from '../../../config.js';
import type { Progress } from '../../../workflows/run/contract.js';
import { summaryText } from '../format.js';
import { openSession } from '../session.js';
import { readSpecFile } from '../specFile.js';
import { EXIT_OK, EXIT_RUN_FAILED } from '../usage.js';
import { watchRun } from '../watch.js';

export async function runCommand(config: Config, file: string, flags: { wait: boolean; json: boolean }): Promise<number> {
  const { spec, baseDir } = readSpecFile(file);
  const session = await openSession(config, { worker: 'if-ephemeral' });
  try {
    const { runId } = await session.client.startBatchInference(spec, { baseDir });
    // With an ephemeral server the worker lives in this process: leaving would strand the run.
    const wait = flags.wait || session.ephemeral;
    if (!wait) {
      console.log(flags.json ? JSON.stringify({ runId }) : runId);
      return EXIT_OK;
    }
    if (!flags.json) {
      console.log(runId);
      if (!flags.wait) console.error('No Temporal server is configured, so this command hosts the run and waits for it (start `batch-inference dev` to run in the background).');
    }
    const end = flags.json ? await settle(session.client, runId) : await watchRun(session.client, runId);
    if (end.state !== 'completed') {
      if (flags.json) console.log(JSON.stringify(end));
      else console.error(`Run ${runId} ${end.state}${end.error ? `: ${end.error}` : ''}`);
      return EXIT_RUN_FAILED;
    }
    const summary = await session.client.waitForResult(runId);
    console.log(flags.json ? JSON.stringify(summary) : summaryText(summary));
    return EXIT_OK;
  } finally {
    await session.close();
  }
}

/** Waits without drawing anything, then reads the final state (a failure is reported through it). */
async function settle(client: BatchInferenceClient, runId: string): Promise<Progress> {
  await client.waitForResult(runId).catch(() => {});
  return client.getProgress(runId);
}
