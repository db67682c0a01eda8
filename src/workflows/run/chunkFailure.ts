// A chunk that Temporal itself timed out (its activity never reported back: the worker died, or a
// predictor injected in code blocked the worker's main thread) fails the slice with a message that
// names the chunk, the limit and the fix, instead of a bare "activity Heartbeat timeout".
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';

export interface ChunkLimits {
  worker: number;
  chunk: number;
  timeoutPerBatch: number;
  heartbeatTimeout: number;
}

export const CHUNK_TIMEOUT = 'ChunkTimeout';

/** The error to fail the slice with: a timed-out chunk explained, anything else unchanged. */
export function explainChunkFailure(err: unknown, limits: ChunkLimits): unknown {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof TimeoutFailure)) return err;
  const where = `chunk ${limits.chunk} of worker ${limits.worker}`;
  const message =
    err.cause.timeoutType === 'HEARTBEAT'
      ? `${where}: no heartbeat within heartbeatTimeout (${limits.heartbeatTimeout} s): the worker was lost, or a predictor blocked its main thread (predictors passed in code run there; load them from a BATCH_PREDICTORS module to run them in a thread that can be stopped); raise heartbeatTimeout if the worker is only busy`
      : `${where}: did not finish within timeoutPerBatch (${limits.timeoutPerBatch} s); raise timeoutPerBatch, make the predictor faster or lower batchSizeInMb`;
  return ApplicationFailure.create({ message, type: CHUNK_TIMEOUT, nonRetryable: true, cause: err });
}
