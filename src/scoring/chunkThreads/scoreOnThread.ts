// The activity's side of a chunk scored on a chunk thread: the thread reads, predicts and writes;
// here the chunk stays bounded (timeoutPerBatch, cancel, heartbeats) and its errors come back as
// the same errors a chunk scored on the main thread raises.
import { PredictorCrashError, PredictorMemoryError } from '../../predictors/errors.js';
import { stoppedError, type ScorerOptions } from '../../predictors/isolation/batchScorer.js';
import { bounded } from '../../predictors/isolation/bounded.js';
import { ThreadEndedError } from '../../predictors/isolation/predictorThreads.js';
import { fromThreadError } from '../../predictors/isolation/protocol.js';
import type { ChunkThread, ChunkThreads } from './chunkThreads.js';
import type { ChunkRequest } from './protocol.js';

/** Scores the chunk on `thread` and returns its output rows; the parquet file is then at request.scratch. */
export async function scoreOnChunkThread(
  threads: ChunkThreads,
  thread: ChunkThread,
  request: Omit<ChunkRequest, 'type' | 'id'>,
  options: ScorerOptions,
  progress: (batch: number, rows: number) => void,
): Promise<number> {
  const call = thread.run(request, progress);
  let result;
  try {
    result = await bounded(call, options.bounds);
  } catch (err) {
    if (!(err instanceof ThreadEndedError)) throw err;
    if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') throw new PredictorMemoryError(options.place, options.predictor, threads.maxMemoryMb);
    throw new PredictorCrashError(options.place, options.predictor, err.exitCode, err.reason);
  }
  if ('stopped' in result) {
    call.catch(() => {}); // nobody waits for it any more
    thread.stop();
    throw stoppedError(result.stopped, options);
  }
  const reply = result.value;
  if (reply.type === 'failed') throw fromThreadError(reply.error);
  // A stop comes only from stop() above.
  if (reply.type === 'stopped') throw stoppedError('cancelled', options);
  return reply.rowsOut;
}
