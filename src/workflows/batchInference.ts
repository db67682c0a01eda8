// The run: prepare (validate, export, plan) → score (one child per slice) → publish → completed.
// Only stage keys and small numbers pass through history; the manifest lives on the stage.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type {
  ExportResult,
  Progress,
  PublishResult,
  ResolvedSpec,
  RunState,
  RunSummary,
  SliceTotals,
} from '../shared/types.js';
import { DEFAULT_TENANT, progressQuery, releaseSlotSignal, sliceProgressSignal, slotGrantedSignal, slotsWorkflowId } from './definitions.js';
import { estimateCompletion, progressEvery } from './progressMath.js';
import { recordState, timeoutMinutesOf } from './runLimits.js';
import { scoreSlice } from './scoreSlice.js';
import { refuseLateStart } from './startBy.js';

const { prepareRun, deleteRunFiles, discardFiles } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 3 },
});
// One signalWithStart: a local activity runs it in the same worker right after this workflow task,
// without a round trip through the server's task queue (it was most of a run's time in `submitted`).
const { requestSlot } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 5 },
});
const { publishOutput, publishFiles } = proxyActivities<Activities>({
  startToCloseTimeout: '6h',
  heartbeatTimeout: '2m',
  retry: { maximumAttempts: 4, initialInterval: '2s', backoffCoefficient: 2 },
});
// A cancelled run waits for its export to stop before deleting the run's files: an export still
// writing after the delete would leave its input on the stage.
const { exportInput } = proxyActivities<Activities>({
  startToCloseTimeout: '6h',
  heartbeatTimeout: '2m',
  retry: { maximumAttempts: 4, initialInterval: '2s', backoffCoefficient: 2 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** The innermost failure, whose message is the one a user can act on. */
function rootCause(err: unknown): unknown {
  let current = err;
  while ((current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause) {
    current = current.cause;
  }
  return current;
}

/** Knobs for operators, doors and tests that are not part of the job spec. */
export interface RunOptions {
  /** Chunks a slice workflow scores before it continues-as-new. */
  chunksPerRun?: number;
  /** Whose concurrency slots the run takes (BATCH_MAX_CONCURRENT_JOBS per tenant); "default" when absent. */
  tenant?: string;
  /** ISO time after which the submitter stopped waiting for the start: a later start does nothing. */
  startBy?: string;
}

/** The failure type of a run stopped by its timeoutMinutes. */
const JOB_TIMEOUT = 'JobTimeout';

export async function batchInference(spec: unknown, options: RunOptions = {}): Promise<RunSummary> {
  const { workflowId: runId, runId: executionId } = workflowInfo();
  // Temporal's start time of this execution: what `describe` says too, so open and closed runs agree.
  const startedAt = workflowInfo().runStartTime.getTime();
  const marks: Partial<Record<RunState, number>> = { submitted: startedAt };
  let state: RunState = 'submitted';
  let exported: ExportResult | undefined;
  let error: string | undefined;
  const perWorker = new Map<number, { chunks: number; rows: number }>();
  /** Set once files start landing in an output path. */
  let filesPath: string | undefined;

  const enter = (next: RunState) => {
    state = next;
    marks[next] = Date.now();
    recordState(next);
  };
  const processed = () => {
    let chunks = 0;
    let rows = 0;
    for (const w of perWorker.values()) {
      chunks += w.chunks;
      rows += w.rows;
    }
    return { chunks, rows };
  };
  let lastProgressAt = startedAt;

  setHandler(sliceProgressSignal, ({ worker, chunks, rows }) => {
    const known = perWorker.get(worker);
    // Signals carry cumulative figures: keep the largest, so a repeat or reorder changes nothing.
    if (!known || chunks > known.chunks) perWorker.set(worker, { chunks, rows });
    lastProgressAt = Date.now();
  });
  setHandler(progressQuery, (): Progress => {
    const done = processed();
    const total = exported?.rows ?? null;
    const finished = state === 'completed';
    const processedRows = finished && total !== null ? total : done.rows;
    return {
      runId,
      state,
      totalRows: total,
      processedRows,
      percentage: total ? Math.min(100, Math.round((processedRows / total) * 1000) / 10) : finished ? 100 : 0,
      chunksDone: finished && exported ? exported.chunks : done.chunks,
      chunksTotal: exported?.chunks ?? null,
      startedAt: new Date(startedAt).toISOString(),
      estimatedCompletion: estimateCompletion({
        state,
        runningSince: marks.running,
        lastProgressAt,
        processedRows: done.rows,
        totalRows: total,
        completedAt: marks.completed,
      }),
      ...(error ? { error } : {}),
    };
  });

  let granted = false;
  setHandler(slotGrantedSignal, () => {
    granted = true;
  });
  const tenant = options.tenant ?? DEFAULT_TENANT;
  const timeoutMinutes = timeoutMinutesOf(spec);

  const execute = async (): Promise<RunSummary> => {
    enter('preparing');
    const resolved: ResolvedSpec = await prepareRun({ spec });
    exported = await exportInput({ runId, executionId, spec: resolved });

    enter('running');
    const every = progressEvery(exported.slices.length);
    // Children run in their own scope so that a failing sibling can stop the rest.
    const childrenScope = new CancellationScope();
    const children = exported.slices.map((slice) =>
      childrenScope.run(() =>
        executeChild(scoreSlice, {
          workflowId: `${runId}-worker-${slice.worker}`,
          args: [
            {
              runId,
              executionId,
              parentWorkflowId: runId,
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
          memo: { runId, worker: slice.worker },
        }).then((t) => {
          perWorker.set(slice.worker, { chunks: t.chunksDone, rows: t.rowsIn });
          return t;
        }),
      ),
    );
    let totals: SliceTotals[];
    try {
      totals = await Promise.all(children);
    } catch (err) {
      // Stop the siblings and wait until every child has closed: after this nothing writes to the stage.
      if (!isCancellation(err)) childrenScope.cancel();
      await Promise.allSettled(children);
      throw err;
    }

    enter('completing');
    const sum = (pick: (t: SliceTotals) => number) => totals.reduce((s, t) => s + pick(t), 0);
    let where: { table: string } | { path: string };
    if (resolved.outputDestination === 'table') {
      // A publish is one transaction: once begun it commits or rolls back, whatever arrives meanwhile,
      // and the run's final state says which (a cancel during it does not hide a committed table).
      const published: PublishResult = await CancellationScope.nonCancellable(() => publishOutput({ runId, executionId }));
      where = { table: published.table };
    } else {
      filesPath = resolved.outputPath!;
      // Short and all-or-nothing for readers: once begun it finishes, even if a cancel arrives meanwhile.
      const published = await CancellationScope.nonCancellable(() => publishFiles({ runId, executionId, rows: sum((t) => t.rowsOut) }));
      where = { path: published.path };
    }

    enter('completed');
    const at = (s: RunState) => marks[s] ?? startedAt;
    return {
      runId,
      state: 'completed',
      destination: resolved.outputDestination,
      ...where,
      rowsIn: exported.rows,
      rowsOut: sum((t) => t.rowsOut),
      chunks: exported.chunks,
      bytesIn: exported.bytes,
      bytesOut: sum((t) => t.bytesOut),
      workers: exported.slices.length,
      durations: {
        queuedMs: at('preparing') - startedAt,
        preparingMs: at('running') - at('preparing'),
        runningMs: at('completing') - at('running'),
        completingMs: at('completed') - at('completing'),
        totalMs: at('completed') - startedAt,
      },
      startedAt: new Date(startedAt).toISOString(),
      completedAt: new Date(at('completed')).toISOString(),
    };
  };

  // The deadline runs from leaving the queue: a run waiting for a slot has not started yet.
  let timedOut = false;
  const deadline = new CancellationScope();
  try {
    refuseLateStart(options.startBy, startedAt);
    // Wait in `submitted` for one of the tenant's slots; they are granted in order of submission.
    await requestSlot({ tenant, runId, executionId, submittedAt: startedAt });
    await condition(() => granted);
    const work = new CancellationScope();
    deadline
      .run(() => sleep(timeoutMinutes * 60_000))
      .then(() => {
        timedOut = true;
        work.cancel();
      })
      .catch(() => {}); // the run ended first and cancelled the timer
    return await work.run(execute);
  } catch (err) {
    // A final state is entered after the clean-up, so whoever sees it can rely on the clean-up being done.
    if (timedOut) {
      // Stopped like a cancel (children and activities have closed; whatever they failed with is a
      // consequence of being stopped), then reported as a failure.
      await CancellationScope.nonCancellable(() => deleteRunFiles({ runId }));
      error = `The run did not finish within timeoutMinutes (${timeoutMinutes}); it was stopped and its staged files deleted. Raise timeoutMinutes or give it more parallelWorkers`;
      enter('failed');
      throw ApplicationFailure.create({ message: error, type: JOB_TIMEOUT, nonRetryable: true });
    }
    if (isCancellation(err)) {
      // Children and their activities have stopped (they wait for cancellation to complete);
      // now nothing writes to the run's prefix any more, so its staged files can go.
      await CancellationScope.nonCancellable(() => deleteRunFiles({ runId }));
      enter('cancelled');
      throw err;
    }
    // Files that a failed publish left in the output path are removed; its _SUCCESS was withdrawn first.
    if (filesPath) await discardFiles({ runId, path: filesPath }).catch(() => {});
    const cause = rootCause(err);
    error = cause instanceof Error ? cause.message : String(cause);
    enter('failed');
    if (cause instanceof ApplicationFailure) {
      throw ApplicationFailure.create({
        message: cause.message,
        type: cause.type ?? undefined,
        nonRetryable: true,
        details: cause.details ? [...cause.details] : undefined,
        cause: err instanceof Error ? err : undefined,
      });
    }
    throw err;
  } finally {
    deadline.cancel();
    // Free the slot (or leave the queue) however the run ends; the next waiting run starts.
    await CancellationScope.nonCancellable(() =>
      getExternalWorkflowHandle(slotsWorkflowId(workflowInfo().taskQueue, tenant)).signal(releaseSlotSignal, { runId, executionId }),
    ).catch(() => {}); // no slots workflow: nothing is held
  }
}
