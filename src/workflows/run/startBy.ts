// A start that reached Temporal after its submitter gave up (a slow or stalled connection delivered
// it late) must not run: the submitter answered "unavailable" and may have submitted again.
import { ApplicationFailure } from '@temporalio/workflow';

/** The failure type of a run whose start arrived after its submitter's deadline. */
export const SUBMIT_ABANDONED = 'SubmitAbandoned';

/** Throws (before anything runs) when the run started after `startBy`, an ISO time set by the submitter. */
export function refuseLateStart(startBy: string | undefined, startedAt: number): void {
  if (startBy === undefined) return;
  const limit = Date.parse(startBy);
  if (!(startedAt > limit)) return;
  throw ApplicationFailure.create({
    type: SUBMIT_ABANDONED,
    nonRetryable: true,
    message: `The submit gave up at ${startBy}, before Temporal recorded this run (${new Date(startedAt).toISOString()}), so nothing ran; submit again (with the same Idempotency-Key, a retry returns one job, never two)`,
  });
}
