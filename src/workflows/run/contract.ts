// The run's contract with everyone who starts or watches it (client, CLI, HTTP, Temporal CLI):
// its workflow types, query, signal, states and result. Workflow-safe: the workflows import it too.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OutputDestination } from '../../spec/output.js';
import type { ResolvedModel } from '../../models/modelRef.js';

export type { ResolvedModel };

export const WORKFLOW_TYPE = 'batchInference';
export const SLICE_WORKFLOW_TYPE = 'scoreSlice';

export const RUN_STATES = ['submitted', 'preparing', 'running', 'completing', 'completed', 'failed', 'cancelled'] as const;
export type RunState = (typeof RUN_STATES)[number];

/**
 * Names one execution of a run. The run id (the workflow id) names the stage folder; the execution id
 * (Temporal's run id) tells a re-run under the same workflow id from the first one, so nothing of an
 * earlier execution is ever reused or counted as published.
 */
export interface RunRef {
  runId: string;
  executionId: string;
}

/** Knobs for operators, doors and tests that are not part of the job spec. */
export interface RunOptions {
  /** Chunks a slice workflow scores before it continues-as-new. */
  chunksPerRun?: number;
  /** Whose concurrency slots the run takes (BATCH_MAX_CONCURRENT_JOBS per tenant); "default" when absent. */
  tenant?: string;
  /** ISO time after which the submitter stopped waiting for the start: a later start does nothing. */
  startBy?: string;
  /** A resume: the failed run whose staged input and finished chunks this run takes (instead of exporting). */
  resumeOf?: RunRef;
}

export interface Progress {
  runId: string;
  state: RunState;
  totalRows: number | null;
  processedRows: number;
  percentage: number;
  chunksDone: number;
  chunksTotal: number | null;
  /** Slices scored in parallel, once known; fewer than workersRequested when the input is too small to cut. */
  workers?: number | null;
  /** The spec's parallelWorkers, once the spec is validated. */
  workersRequested?: number | null;
  startedAt: string;
  estimatedCompletion: string | null;
  /** The registered model version (and artifact sha256) that scores the run, once resolved. */
  model?: ResolvedModel;
  error?: string;
  /** This run resumes that failed run (see `batch-inference resume`). */
  resumeOf?: string;
  /** This failed run was resumed by that run (the latest resume). */
  resumedBy?: string;
}

/** Sent by each slice workflow with its cumulative chunks and rows. */
export interface ProgressSignal {
  worker: number;
  chunks: number;
  rows: number;
}

export interface PhaseDurations {
  /** Waiting in `submitted` for one of the tenant's slots (BATCH_MAX_CONCURRENT_JOBS). */
  queuedMs: number;
  preparingMs: number;
  runningMs: number;
  completingMs: number;
  totalMs: number;
}

/** What a completed run returns. */
export interface RunSummary {
  runId: string;
  state: 'completed';
  destination: OutputDestination;
  /** The table the predictions went to (destination 'table'). */
  table?: string;
  /** The stage path the files went to (destination 'parquet' or 'csv'). */
  path?: string;
  /** The Kafka topic the records went to (destination 'kafka'). */
  topic?: string;
  rowsIn: number;
  rowsOut: number;
  chunks: number;
  bytesIn: number;
  bytesOut: number;
  workers: number;
  /** The spec's parallelWorkers: more than `workers` when the input had too few rows to give each a chunk. */
  workersRequested: number;
  durations: PhaseDurations;
  startedAt: string;
  completedAt: string;
  /** A resume: the failed run it continued, and the chunks (and their rows) it took from it instead of scoring. */
  resumeOf?: string;
  chunksReused?: number;
  rowsReused?: number;
  /** The registered model version (and artifact sha256) that scored the run; absent for a predictor run. */
  model?: ResolvedModel;
}

export const progressQuery = defineQuery<Progress>('progress');
export const sliceProgressSignal = defineSignal<[ProgressSignal]>('sliceProgress');
