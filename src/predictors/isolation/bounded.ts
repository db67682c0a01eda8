// Waits for a predictor call, but never past the activity's deadline and never after a cancel:
// the activity then ends and frees its slot whatever the predictor does.

/** What bounds one chunk's predictor calls. */
export interface CallBounds {
  /** Epoch ms after which a call counts as timed out: the activity's own timeout, less a margin. */
  deadline: number;
  /** The activity's cancellation signal (a cancelled run, a worker shutting down). */
  signal: AbortSignal;
  /** Keeps the activity's heartbeat going while a call runs, so that a cancel can reach it. */
  heartbeat: () => void;
  /** Well inside the heartbeatTimeout: the SDK throttles what it sends, so calling often is cheap. */
  heartbeatEveryMs: number;
}

export type Stopped = { stopped: 'timeout' } | { stopped: 'cancelled' };

/**
 * The margin left before the activity's start-to-close timeout: enough to stop a thread and report
 * our own error before Temporal reports its bare "activity StartToClose timeout".
 */
export function deadlineFor(startedAt: number, startToCloseMs: number): number {
  const margin = Math.min(2000, Math.max(500, startToCloseMs * 0.1));
  return startedAt + startToCloseMs - margin;
}

/** Resolves to the call's result, or to why it was given up on; a rejected call rejects. */
export async function bounded<T>(call: Promise<T>, bounds: CallBounds): Promise<{ value: T } | Stopped> {
  if (bounds.signal.aborted) return { stopped: 'cancelled' };
  let timer: NodeJS.Timeout | undefined;
  let beat: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<Stopped>((resolve) => {
    timer = setTimeout(() => resolve({ stopped: 'timeout' }), Math.max(0, bounds.deadline - Date.now()));
    onAbort = () => resolve({ stopped: 'cancelled' });
    bounds.signal.addEventListener('abort', onAbort, { once: true });
    beat = setInterval(bounds.heartbeat, bounds.heartbeatEveryMs);
  });
  try {
    return await Promise.race([call.then((value) => ({ value })), stop]);
  } finally {
    clearTimeout(timer);
    clearInterval(beat);
    bounds.signal.removeEventListener('abort', onAbort!);
  }
}
