// Several consecutive chunks of a slice in one activity. A chunk per activity cost two task hops and a
// progress signal (about 270 ms a chunk on a dev server, issue 14): with small chunks that dominated
// the run. Here an activity keeps scoring the slice's next chunk until it has worked for a time budget,
// so the hops are paid once per budget, not per chunk. Each chunk still lands as its own file at the
// key fixed by (run, worker, chunk): a retry reuses the chunks already landed and scores the rest.
import { CancelledFailure, Context } from '@temporalio/activity';
import type { RunRef } from '../workflows/run/contract.js';
import type { ActivityContext } from './deps.js';
import { atActivityEdge } from './failures.js';
import { chunkScorer } from './scoreChunk.js';

export interface ScoreChunksInput extends RunRef {
  worker: number;
  /** First chunk to score. */
  from: number;
  /** One past the last chunk this call may score. */
  to: number;
  /** Start no further chunk once this long has passed since the activity started (at least one is scored). */
  budgetMs: number;
}

export interface ChunksResult {
  /** The first chunk not scored: `to` when all were. */
  next: number;
  chunksDone: number;
  rowsIn: number;
  rowsOut: number;
  bytesOut: number;
}

export function makeScoreChunks(ctx: ActivityContext) {
  const scoreOne = chunkScorer(ctx);
  return async function scoreChunks({ runId, executionId, worker, from, to, budgetMs }: ScoreChunksInput): Promise<ChunksResult> {
    return atActivityEdge(async () => {
      const activity = Context.current();
      const startedAt = Date.now();
      // Each chunk has timeoutPerBatch of its own, as it had with one activity per chunk.
      const { spec } = await ctx.manifests.get({ runId, executionId });
      const result: ChunksResult = { next: from, chunksDone: 0, rowsIn: 0, rowsOut: 0, bytesOut: 0 };
      while (result.next < to && (result.chunksDone === 0 || Date.now() - startedAt < budgetMs)) {
        if (activity.cancellationSignal.aborted) throw new CancelledFailure('scoring cancelled');
        // A failing chunk fails the whole call, chunks landed before it included: returning them first and
        // failing in the next call would call the predictor twice on the failing chunk (a second
        // timeoutPerBatch to wait, attempts beyond `retries`). A retry reuses the landed chunks; a failed
        // run's processed rows leave out the last group's finished chunks.
        const chunk = await scoreOne({ runId, executionId, worker, chunk: result.next }, spec.timeoutPerBatch * 1000);
        result.chunksDone++;
        result.rowsIn += chunk.rowsIn;
        result.rowsOut += chunk.rowsOut;
        result.bytesOut += chunk.bytesOut;
        result.next++;
        activity.heartbeat({ chunk: result.next, batch: 0, rows: 0 });
      }
      return result;
    });
  };
}
