// A slice scored a group of chunks per activity (activities/scoreChunks.ts): the activity takes the
// slice's next chunks until its time budget is spent, so a slice of many small chunks pays its task
// hops once per group instead of once per chunk. Progress signals are not awaited: the next group is
// scheduled in the same workflow task, and the signals are awaited before the slice closes (the last
// chunks' progress travels in the slice's result instead).
import { getExternalWorkflowHandle, patched, workflowInfo } from '@temporalio/workflow';
import { chunkActivities } from './activities.js';
import { explainChunkFailure } from './chunkFailure.js';
import { sliceProgressSignal } from './contract.js';
import type { ScoreSliceInput, SliceTotals } from './scoreSlice.js';

/** Runs scoreSlice in groups; recorded as a marker, so runs that began with one activity per chunk replay unchanged. */
export const CHUNK_GROUPS_PATCH = 'chunk-groups';

/**
 * patched() id: a slice that has scored its last chunk sends no final progress signal; its result carries
 * the same totals. Awaiting that signal cost a round trip through the server (and a workflow task) at the
 * end of every slice, on the run's critical path.
 */
export const FINAL_PROGRESS_IN_RESULT = 'final-progress-in-result';

/** An activity starts no further chunk after this long: long enough to amortise a group's hops, short enough for progress. */
export const GROUP_BUDGET_MS = 2000;

export async function scoreSliceInGroups(
  input: ScoreSliceInput,
  totals: SliceTotals,
  chunksPerRun: number,
  again: (next: ScoreSliceInput) => Promise<never>,
): Promise<SliceTotals> {
  // Each chunk is bounded by timeoutPerBatch inside the activity; the group may start its last chunk up to the budget in.
  const { scoreChunks } = chunkActivities(input, input.timeoutPerBatch + GROUP_BUDGET_MS / 1000);
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const signals: Promise<void>[] = [];
  const report = () => {
    const sent = parent.signal(sliceProgressSignal, { worker: input.worker, chunks: totals.chunksDone, rows: totals.rowsIn });
    // A cancel while the signal is in flight rejects it; the slice then ends with the group's own rejection,
    // before Promise.all below sees this one. Unhandled, it failed every workflow task and the run never ended.
    sent.catch(() => {});
    signals.push(sent);
  };

  let chunk = input.next ?? input.chunkStart;
  let sinceReport = 0;
  let inThisRun = 0;
  while (chunk < input.chunkEnd) {
    if (inThisRun >= chunksPerRun || workflowInfo().continueAsNewSuggested) {
      if (sinceReport > 0) report();
      await Promise.all(signals);
      await again({ ...input, next: chunk, totals });
    }
    const from = chunk;
    const to = Math.min(input.chunkEnd, from + chunksPerRun - inThisRun);
    const result = await scoreChunks({
      runId: input.runId,
      executionId: input.executionId,
      worker: input.worker,
      from,
      to,
      // The slice's first chunk alone, so that the run reports progress (and an estimate) as soon as one chunk is scored.
      budgetMs: totals.chunksDone === 0 ? 0 : GROUP_BUDGET_MS,
    }).catch((err) => {
      throw explainChunkFailure(err, {
        worker: input.worker,
        chunk: from,
        timeoutPerBatch: input.timeoutPerBatch,
        heartbeatTimeout: input.heartbeatTimeout,
      });
    });
    // The activity scores at least one chunk; anything else would loop forever.
    if (result.next <= from || result.next > to) throw new Error(`scoreChunks returned next ${result.next} for chunks [${from}, ${to})`);
    totals.chunksDone += result.chunksDone;
    totals.rowsIn += result.rowsIn;
    totals.rowsOut += result.rowsOut;
    totals.bytesOut += result.bytesOut;
    chunk = result.next;
    inThisRun += result.chunksDone;
    sinceReport += result.chunksDone;
    // The last chunks' progress reaches the parent in the slice's result (patched: older runs signal it).
    if (chunk >= input.chunkEnd && patched(FINAL_PROGRESS_IN_RESULT)) {
      sinceReport = 0;
      break;
    }
    if (sinceReport >= input.progressEvery) {
      report();
      sinceReport = 0;
    }
  }
  if (sinceReport > 0) report();
  await Promise.all(signals);
  return totals;
}
