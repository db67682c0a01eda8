// Every Temporal call an HTTP request makes has a deadline: with the server unresponsive the API
// answers 503 with Retry-After within a bounded time instead of holding the request open.
import type { Connection } from '@temporalio/client';
import { HttpError } from './errors.js';

/** How long the Temporal calls of one request may take together, unless the API is told otherwise. */
export const TEMPORAL_DEADLINE_MS = 5_000;
/** What a 503 tells the caller to wait before retrying. */
export const RETRY_AFTER_SECONDS = 5;

/** 503: Temporal did not answer in time. Retry-After goes in the header (see server.ts's error handler). */
export class TemporalUnavailableError extends HttpError {
  readonly retryAfterSeconds = RETRY_AFTER_SECONDS;
  constructor(readonly deadlineMs: number) {
    super(
      503,
      'unavailable',
      `The Temporal server did not answer within ${deadlineMs / 1000} s; retry after ${RETRY_AFTER_SECONDS} s (a POST with the same Idempotency-Key returns the same job, never a second one)`,
    );
  }
}

/**
 * Runs fn with every Temporal call in it bounded by one deadline: gRPC's own deadline, and an abort
 * when it passes (the SDK retries an unreachable server on its own, which the deadline alone may not end).
 */
export async function withTemporalDeadline<T>(
  connection: Pick<Connection, 'withAbortSignal' | 'withDeadline'>,
  deadlineMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new TemporalUnavailableError(deadlineMs));
    }, deadlineMs);
  });
  const work = connection.withAbortSignal(abort.signal, () => connection.withDeadline(Date.now() + deadlineMs, fn));
  work.catch(() => {}); // after the deadline its failure is of no interest
  try {
    return await Promise.race([work, expired]);
  } catch (err) {
    // gRPC DEADLINE_EXCEEDED (4) or UNAVAILABLE (14): the server is not answering.
    const e = err as { code?: number; cause?: { code?: number } };
    const code = e.code ?? e.cause?.code;
    if (code === 4 || code === 14) throw new TemporalUnavailableError(deadlineMs);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
