// A running DuckDB statement stops only when told: the activity's cancellation (a cancel, a run's
// timeoutMinutes, a worker shutting down) interrupts it rather than letting it burn CPU to the end.
import type { DuckDBConnection } from '@duckdb/node-api';

export async function interruptOnAbort<T>(conn: DuckDBConnection, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  if (!signal) return fn();
  signal.throwIfAborted();
  const interrupt = () => conn.interrupt();
  signal.addEventListener('abort', interrupt, { once: true });
  try {
    return await fn();
  } finally {
    signal.removeEventListener('abort', interrupt);
  }
}
