// SIGINT and SIGTERM end every command within a bound. A command that has something to wind down
// (a worker to drain, a dev server to stop) asks for stopSignal() and winds down when it aborts;
// any other command exits at once. A second signal, or the bound passing, exits at once too, and
// the exit hook in temporal/killOnExit.ts takes any dev server this process started with it.

/** How long a command may take to wind down after the first signal. */
export const STOP_BOUND_MS = 12_000;

const EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/** The shell's convention: 128 + the signal's number. */
export const exitCodeOf = (signal: NodeJS.Signals): number => EXIT_CODES[signal] ?? 1;

const controller = new AbortController();
let graceful = false;
let received: NodeJS.Signals | undefined;

function onSignal(signal: NodeJS.Signals): void {
  if (received || !graceful) {
    // Nothing to wind down, or asked twice: go now.
    process.exit(exitCodeOf(received ?? signal));
  }
  received = signal;
  setTimeout(() => {
    console.error(`Still stopping ${STOP_BOUND_MS / 1000} s after ${signal}; exiting now`);
    process.exit(exitCodeOf(signal));
  }, STOP_BOUND_MS).unref();
  controller.abort(signal);
}

/** Listens from now on; called once, early, by the CLI's main. */
export function installStopSignals(): void {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** The command winds down when this aborts (its reason is the signal's name) instead of exiting at once. */
export function stopSignal(): AbortSignal {
  graceful = true;
  return controller.signal;
}

/** The signal that stopped the command, if one did. */
export const stopReceived = (): NodeJS.Signals | undefined => received;

/** Resolves when a stop signal arrives (never, if none does). */
export function whenStopped(signal: AbortSignal = stopSignal()): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(signal.reason as NodeJS.Signals);
    signal.addEventListener('abort', () => resolve(signal.reason as NodeJS.Signals), { once: true });
  });
}
