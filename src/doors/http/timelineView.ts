// A job's timeline as the HTTP API shows it: the same object as `batch-inference logs --json`, with every
// error text passed through sanitizeMessage (no worker file paths, no stage keys), like a job's `error`,
// and without the platform's identities (a worker's pid@host, the identity of whoever cancelled): a
// tenant sees what happened to its job, not the machines it ran on. The CLI, for operators, keeps them.
import type { ActivityTimeline, RunTimeline } from '../../client/runTimeline.js';
import { sanitizeMessage } from './sanitize.js';

function cleanActivity<T extends ActivityTimeline>(a: T): T {
  return {
    ...a,
    worker: null,
    ...(a.error !== undefined ? { error: sanitizeMessage(a.error) } : {}),
    ...(a.retriedAfter !== undefined ? { retriedAfter: sanitizeMessage(a.retriedAfter) } : {}),
  };
}

export function timelineView(t: RunTimeline): RunTimeline {
  return {
    ...t,
    steps: t.steps.map(cleanActivity),
    slices: t.slices.map((s) => ({
      ...s,
      ...(s.error !== undefined ? { error: sanitizeMessage(s.error) } : {}),
      chunks: s.chunks.map(cleanActivity),
    })),
    ...(t.error !== undefined ? { error: sanitizeMessage(t.error) } : {}),
    ...(t.cancellation
      ? {
          cancellation: {
            ...t.cancellation,
            by: null,
            reason: t.cancellation.reason === null ? null : sanitizeMessage(t.cancellation.reason),
          },
        }
      : {}),
  };
}
