// A call to a thread (a predictor thread's batch, a chunk thread's chunk) within the chunk's bounds,
// and the errors that stand for how it ended without an answer: the same for both kinds of thread.
import { PredictorCrashError, PredictorMemoryError } from '../errors.js';
import { stoppedError, type ScorerOptions } from './batchScorer.js';
import { bounded } from './bounded.js';
import { ThreadEndedError } from './predictorThreads.js';

/**
 * The thread's answer. A thread that ended first throws PredictorMemoryError (over maxMemoryMb) or
 * PredictorCrashError; at the deadline or a cancel, `stop` is called (not awaited) and
 * PredictorTimeoutError or a CancelledFailure is thrown.
 */
export async function threadAnswer<T>(call: Promise<T>, options: ScorerOptions, maxMemoryMb: number, stop: () => void): Promise<T> {
  let result;
  try {
    result = await bounded(call, options.bounds);
  } catch (err) {
    if (!(err instanceof ThreadEndedError)) throw err;
    if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') throw new PredictorMemoryError(options.place, options.predictor, maxMemoryMb);
    throw new PredictorCrashError(options.place, options.predictor, err.exitCode, err.reason);
  }
  if ('stopped' in result) {
    call.catch(() => {}); // rejects when the thread is terminated: nobody waits for it any more
    stop();
    throw stoppedError(result.stopped, options);
  }
  return result.value;
}
