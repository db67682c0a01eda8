// `batch-inference resume <runId> [--set field=value …] [--wait] [--json]`
import type { Config } from '../../../config.js';
import { reportRunEnd } from '../runEnd.js';
import { openSession } from '../session.js';
import { exitCodeOf, stopSignal, whenStopped } from '../stopSignals.js';
import { EXIT_OK, UsageError } from '../usage.js';
import { watchRun } from '../watch.js';

/** `--set timeoutPerBatch=600` → { timeoutPerBatch: 600 }: a value is JSON when it parses as JSON, else text. */
export function parseSets(sets: readonly string[]): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set: got ${JSON.stringify(set)}; use --set field=value, e.g. --set timeoutPerBatch=600`);
    const field = set.slice(0, eq).trim();
    const text = set.slice(eq + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // not JSON: the text itself
    }
    overrides[field] = value;
  }
  return overrides;
}

export async function resumeCommand(
  config: Config,
  failedRunId: string,
  flags: { sets: readonly string[]; wait: boolean; json: boolean },
): Promise<number> {
  const overrides = parseSets(flags.sets);
  const stop = stopSignal();
  const session = await openSession(config, { worker: 'if-ephemeral', signal: stop }).catch((err: unknown) => {
    if (stop.aborted) return undefined;
    throw err;
  });
  if (!session) return exitCodeOf(stop.reason as NodeJS.Signals);
  try {
    if (stop.aborted) return exitCodeOf(stop.reason as NodeJS.Signals);
    const { runId } = await session.client.resumeRun(failedRunId, overrides);
    // With an ephemeral server the worker lives in this process: leaving would strand the run.
    if (!flags.wait && !session.ephemeral) {
      console.log(flags.json ? JSON.stringify({ runId, resumeOf: failedRunId }) : runId);
      return EXIT_OK;
    }
    if (!flags.json) console.log(runId);
    const end = await session.client.calls.withAbortSignal(stop, () =>
      Promise.race([watchRun(session.client, runId, flags.json ? undefined : process.stderr, stop), whenStopped(stop)]),
    );
    if (typeof end === 'string') {
      console.error(`Stopped waiting for run ${runId} on ${end}; it goes on. Follow it with: batch-inference status ${runId}`);
      return exitCodeOf(end);
    }
    return await reportRunEnd(session.client, runId, end, flags.json);
  } finally {
    await session.close();
  }
}
