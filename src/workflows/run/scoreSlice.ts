// One worker's slice: score chunks [chunkStart, chunkEnd) one after another, report progress to the
// parent, and continue-as-new long before the history grows large.
import { continueAsNew, getExternalWorkflowHandle, patched, workflowInfo } from '@temporalio/workflow';
import { chunkActivities } from './activities.js';
import { explainChunkFailure } from './chunkFailure.js';
import { sliceProgressSignal } from './contract.js';
import { CHUNK_GROUPS_PATCH, scoreSliceInGroups } from './scoreSliceGroups.js';

/** What a slice scored: the child's result, summed by the parent. */
export interface SliceTotals {
  chunksDone: number;
  rowsIn: number;
  rowsOut: number;
  bytesOut: number;
}

export interface ScoreSliceInput {
  runId: string;
  /** The parent's execution (Temporal run id): see RunRef. */
  executionId: string;
  parentWorkflowId: string;
  worker: number;
  chunkStart: number;
  chunkEnd: number;
  /** The next chunk to score: equals chunkStart on the first run, later runs resume from here. */
  next?: number;
  totals?: SliceTotals;
  timeoutPerBatch: number;
  heartbeatTimeout: number;
  retries: number;
  /** Signal the parent after this many chunks (and always at the end). */
  progressEvery: number;
  /** Continue-as-new after this many chunks in one run (bounded history); tests lower it. */
  chunksPerRun?: number;
}

/** ~7 history events per chunk: 400 chunks keep a run near 3,000 events, far from the 10,000 warning. */
const DEFAULT_CHUNKS_PER_RUN = 400;

export async function scoreSlice(input: ScoreSliceInput): Promise<SliceTotals> {
  const { scoreChunk } = chunkActivities(input, input.timeoutPerBatch);
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const totals: SliceTotals = input.totals ?? { chunksDone: 0, rowsIn: 0, rowsOut: 0, bytesOut: 0 };
  const report = () => parent.signal(sliceProgressSignal, { worker: input.worker, chunks: totals.chunksDone, rows: totals.rowsIn });

  const chunksPerRun = input.chunksPerRun ?? DEFAULT_CHUNKS_PER_RUN;
  // Runs that began with one activity per chunk go on that way (replay); new runs score chunks in groups.
  if (patched(CHUNK_GROUPS_PATCH)) {
    return scoreSliceInGroups(input, totals, chunksPerRun, (next) => continueAsNew<typeof scoreSlice>(next));
  }
  let chunk = input.next ?? input.chunkStart;
  let sinceReport = 0;
  let inThisRun = 0;
  while (chunk < input.chunkEnd) {
    if (inThisRun >= chunksPerRun || workflowInfo().continueAsNewSuggested) {
      if (sinceReport > 0) await report();
      await continueAsNew<typeof scoreSlice>({ ...input, next: chunk, totals });
    }
    const result = await scoreChunk({ runId: input.runId, executionId: input.executionId, worker: input.worker, chunk }).catch((err) => {
      throw explainChunkFailure(err, {
        worker: input.worker,
        chunk,
        timeoutPerBatch: input.timeoutPerBatch,
        heartbeatTimeout: input.heartbeatTimeout,
      });
    });
    totals.chunksDone++;
    totals.rowsIn += result.rowsIn;
    totals.rowsOut += result.rowsOut;
    totals.bytesOut += result.bytesOut;
    chunk++;
    inThisRun++;
    if (++sinceReport >= input.progressEvery) {
      await report();
      sinceReport = 0;
    }
  }
  if (sinceReport > 0) await report();
  return totals;
}
