// The run's visible bookkeeping: its state and when it entered each, rows and chunks per slice, and the
// answer to the progress query. Deterministic: times come from the workflow clock.
import type { ExportResult } from '../../activities/exportInput.js';
import type { PhaseDurations, Progress, ProgressSignal, RunState } from './contract.js';
import { estimateCompletion } from './progressMath.js';
import { recordState } from './runLimits.js';
import type { ResolvedModel } from '../../models/modelRef.js';

export class RunProgress {
  state: RunState = 'submitted';
  exported?: ExportResult;
  /** The spec's parallelWorkers, once validated. */
  workersRequested?: number;
  /** The registered model version the run scores with, once resolved. */
  model?: ResolvedModel;
  error?: string;
  /** The failed run this run resumes. */
  resumeOf?: string;
  private readonly marks: Partial<Record<RunState, number>>;
  private readonly perWorker = new Map<number, { chunks: number; rows: number }>();
  private lastProgressAt: number;

  constructor(
    private readonly runId: string,
    /** Temporal's start time of this execution: what `describe` says too, so open and closed runs agree. */
    readonly startedAt: number,
  ) {
    this.marks = { submitted: startedAt };
    this.lastProgressAt = startedAt;
  }

  enter(next: RunState): void {
    this.state = next;
    this.marks[next] = Date.now();
    recordState(next);
  }

  /** Signals carry cumulative figures: keep the largest, so a repeat or reorder changes nothing. */
  onSliceProgress({ worker, chunks, rows }: ProgressSignal): void {
    const known = this.perWorker.get(worker);
    if (!known || chunks > known.chunks) this.perWorker.set(worker, { chunks, rows });
    this.lastProgressAt = Date.now();
  }

  /** A slice has finished: its totals are final. */
  sliceDone(worker: number, chunks: number, rows: number): void {
    this.perWorker.set(worker, { chunks, rows });
  }

  private processed() {
    let chunks = 0;
    let rows = 0;
    for (const w of this.perWorker.values()) {
      chunks += w.chunks;
      rows += w.rows;
    }
    return { chunks, rows };
  }

  query(): Progress {
    const done = this.processed();
    const total = this.exported?.rows ?? null;
    const finished = this.state === 'completed';
    const processedRows = finished && total !== null ? total : done.rows;
    return {
      runId: this.runId,
      state: this.state,
      totalRows: total,
      processedRows,
      percentage: total ? Math.min(100, Math.round((processedRows / total) * 1000) / 10) : finished ? 100 : 0,
      chunksDone: finished && this.exported ? this.exported.chunks : done.chunks,
      chunksTotal: this.exported?.chunks ?? null,
      workers: this.exported?.slices.length ?? null,
      workersRequested: this.workersRequested ?? null,
      startedAt: new Date(this.startedAt).toISOString(),
      estimatedCompletion: estimateCompletion({
        state: this.state,
        runningSince: this.marks.running,
        lastProgressAt: this.lastProgressAt,
        processedRows: done.rows,
        totalRows: total,
        completedAt: this.marks.completed,
      }),
      ...(this.model ? { model: this.model } : {}),
      ...(this.error ? { error: this.error } : {}),
      ...(this.resumeOf ? { resumeOf: this.resumeOf } : {}),
    };
  }

  /** When the run entered a state (its start when it never did). */
  at(state: RunState): number {
    return this.marks[state] ?? this.startedAt;
  }

  durations(): PhaseDurations {
    const at = (s: RunState) => this.at(s);
    return {
      queuedMs: at('preparing') - this.startedAt,
      preparingMs: at('running') - at('preparing'),
      runningMs: at('completing') - at('running'),
      completingMs: at('completed') - at('completing'),
      totalMs: at('completed') - this.startedAt,
    };
  }
}
