// The run's activities, grouped by the options they need. Workflow-safe: types only from activities/.
import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';

/** Short steps: validate the spec, delete or discard files. */
export const { prepareRun, deleteRunFiles, discardFiles } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 3 },
});

/**
 * One signalWithStart: a local activity runs it in the same worker right after this workflow task,
 * without a round trip through the server's task queue (it was most of a run's time in `submitted`).
 */
export const { requestSlot, requestSlotNow, releaseSlot } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 5 },
});

/** Loads into the output: long, heartbeating, retried with backoff. */
export const { publishOutput, publishFiles } = proxyActivities<Activities>({
  startToCloseTimeout: '6h',
  heartbeatTimeout: '2m',
  retry: { maximumAttempts: 4, initialInterval: '2s', backoffCoefficient: 2 },
});

/**
 * The Kafka publish: one transaction. A short heartbeat timeout, so that the attempt of a worker that
 * died mid-publish is retried within seconds (its open transaction is aborted by the next one's start).
 */
export const { publishKafka } = proxyActivities<Activities>({
  startToCloseTimeout: '6h',
  heartbeatTimeout: '20s',
  retry: { maximumAttempts: 4, initialInterval: '2s', backoffCoefficient: 2 },
});

/** After a failed Kafka run: abort a transaction a killed attempt left open. */
export const { abortKafka } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 3 },
});

/**
 * The export (or a resume's adoption of a failed run's files). A cancelled run waits for it to stop
 * before deleting the run's files: an export still writing after the delete would leave its input on
 * the stage.
 */
export const { exportInput, adoptRun } = proxyActivities<Activities>({
  startToCloseTimeout: '6h',
  heartbeatTimeout: '2m',
  retry: { maximumAttempts: 4, initialInterval: '2s', backoffCoefficient: 2 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** A chunk's activity (or a group of chunks'): each chunk bounded by timeoutPerBatch, retried `retries` times with backoff. */
export function chunkActivities(
  limits: { timeoutPerBatch: number; heartbeatTimeout: number; retries: number },
  startToCloseSeconds: number,
) {
  return proxyActivities<Activities>({
    startToCloseTimeout: `${startToCloseSeconds}s`,
    heartbeatTimeout: `${limits.heartbeatTimeout}s`,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: limits.retries + 1,
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '1m',
    },
  });
}
