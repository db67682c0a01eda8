// Follows a run until it ends: a live bar on a terminal, a line per change elsewhere.
import type { BatchInferenceClient } from '../../client.js';
import type { Progress } from '../../workflows/run/contract.js';
import { progressLine } from './format.js';

const FINAL = new Set(['completed', 'failed', 'cancelled']);

export async function watchRun(
  client: BatchInferenceClient,
  runId: string,
  out: NodeJS.WriteStream = process.stderr,
  stop?: AbortSignal,
): Promise<Progress> {
  const live = Boolean(out.isTTY);
  let last = '';
  for (;;) {
    // Stopped (SIGINT/SIGTERM): no further call on a connection that is about to close.
    stop?.throwIfAborted();
    let p: Progress;
    try {
      p = await client.getProgress(runId);
    } catch {
      await new Promise((r) => setTimeout(r, 300));
      continue;
    }
    const line = progressLine(p);
    if (live) out.write(`\r${line}\x1b[K`);
    else if (p.state !== last) out.write(`${line}\n`);
    last = p.state;
    if (FINAL.has(p.state)) {
      if (live) out.write('\n');
      return p;
    }
    await new Promise((r) => setTimeout(r, live ? 250 : 1000));
  }
}
