// The activity's side of a chunk scored on a chunk thread: the thread reads, predicts and writes;
// here the chunk stays bounded (timeoutPerBatch, cancel, heartbeats) and its errors come back as
// the same errors a chunk scored on the main thread raises.
import { stoppedError, threadAnswer, type ScorerOptions } from '../../predictors/isolation/batchScorer.js';
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
  const reply = await threadAnswer(thread.run(request, progress), options, threads.maxMemoryMb, () => thread.stop());
  if (reply.type === 'failed') throw fromThreadError(reply.error);
  // A stop comes only from stop() above.
  if (reply.type === 'stopped') throw stoppedError('cancelled', options);
  return reply.rowsOut;
}
