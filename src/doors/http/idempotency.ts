// Idempotent submits: an Idempotency-Key maps to the run's workflow id, scoped to the tenant, so a
// retried POST finds the job the first one started (Temporal refuses a second run with that id) and
// answers with the same body, kept in the run's memo.
import { createHash } from 'node:crypto';
import { HttpError } from './errors.js';
import type { SubmitResponse } from './schemas.js';

/** The memo field holding the figures of the first answer. */
export const SUBMIT_ANSWER_MEMO = 'submitAnswer';

const KEY = /^[\x21-\x7e]{1,200}$/;

/** The workflow id for this tenant's key: a hash, so neither the key nor the tenant shows in it. */
export function idempotentRunId(tenant: string, key: string): string {
  if (!KEY.test(key)) {
    throw new HttpError(
      400,
      'invalid_request',
      `Idempotency-Key: got ${JSON.stringify(key.slice(0, 40))}; use 1 to 200 visible ASCII characters (e.g. a UUID)`,
      [{ field: 'Idempotency-Key', message: 'use 1 to 200 visible ASCII characters (e.g. a UUID)' }],
    );
  }
  return `bi-key-${createHash('sha256').update(`${tenant}\0${key}`).digest('hex').slice(0, 32)}`;
}

/** What goes in the memo at start so a retry can answer with the same body. */
export function answerMemo(answer: SubmitResponse): Record<string, unknown> {
  return {
    [SUBMIT_ANSWER_MEMO]: { estimated_duration_minutes: answer.estimated_duration_minutes, input_row_count: answer.input_row_count },
  };
}

/** The first answer again, from the run's memo. */
export function answerFromMemo(jobId: string, memo: Record<string, unknown>): SubmitResponse {
  const kept = (memo[SUBMIT_ANSWER_MEMO] ?? {}) as Partial<SubmitResponse>;
  return {
    job_id: jobId,
    status: 'submitted',
    estimated_duration_minutes: kept.estimated_duration_minutes ?? null,
    input_row_count: kept.input_row_count ?? null,
  };
}
