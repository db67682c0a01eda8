// The run: wait for a tenant slot → within its deadline: prepare → export → score (one child per
// slice) → publish → completed; on any failure clean up, then give the slot back.
// Only stage keys and small numbers pass through history; the manifest lives on the stage.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  patched,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Slice } from '../../planning/chunks.js';
import type { ResolvedSpec } from '../../spec/types.js';
import { DEFAULT_TENANT } from '../slots/contract.js';
import {
  abortKafka,
  adoptRun,
  deleteRunFiles,
  discardFiles,
  exportInput,
  prepareRun,
  publishFiles,
  publishKafka,
  publishOutput,
} from './activities.js';
import { progressQuery, sliceProgressSignal, type RunOptions, type RunRef, type RunSummary } from './contract.js';
import { Deadline } from './deadline.js';
import { progressEvery } from './progressMath.js';
import { RunProgress } from './progress.js';
import { timeoutMinutesOf } from './runLimits.js';
import { scoreSlice, type SliceTotals } from './scoreSlice.js';
import { refuseLateStart } from './startBy.js';
import { tenantSlot } from './tenantSlot.js';

/** The failure type of a run stopped by its timeoutMinutes. */
const JOB_TIMEOUT = 'JobTimeout';
/** patched() id: a run stopped by timeoutMinutes keeps its staged files (resumable) instead of deleting them. */
const KEEP_FILES_ON_JOB_TIMEOUT = 'keep-files-on-job-timeout';

export async function batchInference(spec: unknown, options: RunOptions = {}): Promise<RunSummary> {
  const { workflowId: runId, runId: executionId } = workflowInfo();
  const run: RunRef = { runId, executionId };
  const progress = new RunProgress(runId, workflowInfo().runStartTime.getTime());
  setHandler(sliceProgressSignal, (signal) => progress.onSliceProgress(signal));
  setHandler(progressQuery, () => progress.query());
  const tenant = options.tenant ?? DEFAULT_TENANT;
  const slot = tenantSlot(tenant, run);
  const deadline = new Deadline(timeoutMinutesOf(spec));
  /** Set once files start landing in an output path: a failed publish removes them. */
  let filesPath: string | undefined;
  /** Set once a Kafka publish starts: a failed run aborts any transaction it left open. */
  let kafkaStarted = false;

  try {
    refuseLateStart(options.startBy, progress.startedAt);
    await slot.acquire(progress.startedAt);
    return await deadline.run(async () => {
      progress.enter('preparing');
      // The tenant decides which database the run reads and writes (BATCH_TENANTS_FILE).
      const resolved = await prepareRun({ spec, tenant });
      progress.workersRequested = resolved.parallelWorkers;
      // Only model runs issue this command, so the histories of predictor runs replay unchanged.
      if (resolved.model) {
        progress.model = resolved.model;
        upsertMemo({ model: resolved.model });
      }
      // A resume takes the failed run's staged input and finished chunks instead of running the query again.
      const resumeOf = options.resumeOf;
      progress.resumeOf = resumeOf?.runId;
      const adopted = resumeOf ? await adoptRun({ ...run, from: resumeOf, spec: resolved, tenant }) : undefined;
      const exported = adopted ?? (await exportInput({ ...run, spec: resolved, tenant }));
      progress.exported = exported;

      progress.enter('running');
      const totals = await scoreSlices(run, resolved, exported.slices, options, progress);

      progress.enter('completing');
      if (resolved.outputDestination === 'kafka') kafkaStarted = true;
      else if (resolved.outputDestination !== 'table') filesPath = resolved.outputPath!;
      const where = await publish(run, resolved, totals, tenant);

      progress.enter('completed');
      const summary = summarize(runId, resolved, totals, where, progress);
      if (!adopted) return summary;
      return { ...summary, resumeOf: adopted.resumeOf, chunksReused: adopted.chunksReused, rowsReused: adopted.rowsReused };
    });
  } catch (err) {
    if (kafkaStarted && !isCancellation(err)) {
      await CancellationScope.nonCancellable(() => abortKafka({ ...run, tenant })).catch(() => {});
    }
    throw await closeFailed(err, run, progress, deadline, filesPath);
  } finally {
    deadline.stop();
    await slot.release();
  }
}

/** One child per slice; if one fails, the rest are stopped and awaited, so nothing writes to the stage after. */
async function scoreSlices(
  run: RunRef,
  resolved: ResolvedSpec,
  slices: Slice[],
  options: RunOptions,
  progress: RunProgress,
): Promise<SliceTotals[]> {
  const every = progressEvery(slices.length);
  const childrenScope = new CancellationScope();
  const children = slices.map((slice) =>
    childrenScope.run(() =>
      executeChild(scoreSlice, {
        workflowId: `${run.runId}-worker-${slice.worker}`,
        args: [
          {
            ...run,
            parentWorkflowId: run.runId,
            worker: slice.worker,
            chunkStart: slice.chunkStart,
            chunkEnd: slice.chunkEnd,
            timeoutPerBatch: resolved.timeoutPerBatch,
            heartbeatTimeout: resolved.heartbeatTimeout,
            retries: resolved.retries,
            progressEvery: every(slice.chunkEnd - slice.chunkStart),
            chunksPerRun: options.chunksPerRun,
          },
        ],
        memo: { runId: run.runId, worker: slice.worker },
      }).then((t) => {
        progress.sliceDone(slice.worker, t.chunksDone, t.rowsIn);
        return t;
      }),
    ),
  );
  try {
    return await Promise.all(children);
  } catch (err) {
    if (!isCancellation(err)) childrenScope.cancel();
    await Promise.allSettled(children);
    throw err;
  }
}

const sum = (totals: SliceTotals[], pick: (t: SliceTotals) => number) => totals.reduce((s, t) => s + pick(t), 0);

/**
 * A publish, once begun, commits or rolls back (files: all land) whatever arrives meanwhile, and the run's
 * final state says which: a cancel during it does not hide a committed table.
 */
async function publish(
  run: RunRef,
  resolved: ResolvedSpec,
  totals: SliceTotals[],
  tenant: string,
): Promise<{ table: string } | { path: string } | { topic: string }> {
  if (resolved.outputDestination === 'kafka') {
    const published = await CancellationScope.nonCancellable(() => publishKafka({ ...run, tenant }));
    return { topic: published.topic };
  }
  if (resolved.outputDestination === 'table') {
    const published = await CancellationScope.nonCancellable(() => publishOutput({ ...run, tenant }));
    return { table: published.table };
  }
  const published = await CancellationScope.nonCancellable(() => publishFiles({ ...run, rows: sum(totals, (t) => t.rowsOut) }));
  return { path: published.path };
}

function summarize(
  runId: string,
  resolved: ResolvedSpec,
  totals: SliceTotals[],
  where: { table: string } | { path: string } | { topic: string },
  progress: RunProgress,
): RunSummary {
  const exported = progress.exported!;
  return {
    runId,
    state: 'completed',
    destination: resolved.outputDestination,
    ...where,
    rowsIn: exported.rows,
    rowsOut: sum(totals, (t) => t.rowsOut),
    chunks: exported.chunks,
    bytesIn: exported.bytes,
    bytesOut: sum(totals, (t) => t.bytesOut),
    workers: exported.slices.length,
    workersRequested: resolved.parallelWorkers,
    durations: progress.durations(),
    startedAt: new Date(progress.startedAt).toISOString(),
    completedAt: new Date(progress.at('completed')).toISOString(),
    ...(resolved.model ? { model: resolved.model } : {}),
  };
}

/**
 * Cleans up after a run that did not complete and returns the error to fail it with. A final state is
 * entered after the clean-up, so whoever sees it can rely on the clean-up being done.
 */
async function closeFailed(
  err: unknown,
  run: RunRef,
  progress: RunProgress,
  deadline: Deadline,
  filesPath: string | undefined,
): Promise<unknown> {
  if (deadline.passed) {
    // Stopped like a cancel (children and activities have closed; whatever they failed with is a
    // consequence of being stopped), then reported as a failure. Runs since KEEP_FILES_ON_JOB_TIMEOUT keep
    // their staged files like any failed run, so that `resume` can continue them (retention removes them).
    const keep = patched(KEEP_FILES_ON_JOB_TIMEOUT);
    if (!keep) await CancellationScope.nonCancellable(() => deleteRunFiles({ runId: run.runId }));
    progress.error = keep
      ? `The run did not finish within timeoutMinutes (${deadline.minutes}); it was stopped. Resume it with a larger timeoutMinutes (batch-inference resume <runId> --set timeoutMinutes=…) or more parallelWorkers`
      : `The run did not finish within timeoutMinutes (${deadline.minutes}); it was stopped and its staged files deleted. Raise timeoutMinutes or give it more parallelWorkers`;
    progress.enter('failed');
    return ApplicationFailure.create({ message: progress.error, type: JOB_TIMEOUT, nonRetryable: true });
  }
  if (isCancellation(err)) {
    // Children and their activities have stopped (they wait for cancellation to complete);
    // now nothing writes to the run's prefix any more, so its staged files can go.
    await CancellationScope.nonCancellable(() => deleteRunFiles({ runId: run.runId }));
    progress.enter('cancelled');
    return err;
  }
  // Files that a failed publish left in the output path are removed; its _SUCCESS was withdrawn first.
  if (filesPath) await discardFiles({ runId: run.runId, path: filesPath }).catch(() => {});
  const cause = rootCause(err);
  progress.error = cause instanceof Error ? cause.message : String(cause);
  progress.enter('failed');
  if (cause instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      message: cause.message,
      type: cause.type ?? undefined,
      nonRetryable: true,
      details: cause.details ? [...cause.details] : undefined,
      cause: err instanceof Error ? err : undefined,
    });
  }
  // Any other root cause (a timeout or termination reported by Temporal) still names itself,
  // rather than the "Child Workflow execution failed" of the failure that wraps it.
  if (cause !== err) {
    return ApplicationFailure.create({
      message: progress.error,
      type: cause instanceof Error ? cause.name : undefined,
      nonRetryable: true,
      cause: err instanceof Error ? err : undefined,
    });
  }
  return err;
}

/** The innermost failure, whose message is the one a user can act on. */
function rootCause(err: unknown): unknown {
  let current = err;
  while ((current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause) {
    current = current.cause;
  }
  return current;
}
