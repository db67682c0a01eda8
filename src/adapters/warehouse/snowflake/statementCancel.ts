// Stops a running statement in Snowflake when its caller gives up (the activity was cancelled):
// without it the export's COPY would keep unloading, and its warehouse keep billing, after the run ended.
import type { RowStatement } from 'snowflake-sdk';

/** The statement was cancelled because its signal aborted; Snowflake was asked to stop it. */
export class StatementCancelledError extends Error {
  constructor(readonly sql: string) {
    super('Snowflake statement cancelled: the operation that ran it was cancelled');
    this.name = 'StatementCancelledError';
  }
}

/**
 * On abort, asks Snowflake to cancel the statement and rejects at once (the answer to the cancel is
 * not awaited: a dropped connection must not keep the caller waiting). Returns the listener's remover.
 */
export function cancelOnAbort(stmt: RowStatement, sql: string, signal: AbortSignal, reject: (err: Error) => void): () => void {
  const abort = () => {
    stmt.cancel(() => {});
    reject(new StatementCancelledError(sql));
  };
  if (signal.aborted) {
    abort();
    return () => {};
  }
  signal.addEventListener('abort', abort, { once: true });
  return () => signal.removeEventListener('abort', abort);
}
