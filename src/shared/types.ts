// Types shared by workflows, activities and doors. Type-only: safe to import from workflow code.

export const RUN_STATES = [
  'submitted',
  'preparing',
  'running',
  'completing',
  'completed',
  'failed',
  'cancelled',
] as const;
export type RunState = (typeof RUN_STATES)[number];

/** One output column: the name and its warehouse type, e.g. ['score', 'FLOAT']. */
export type ColumnDefinition = [name: string, type: string];

/** Where predictions go: a warehouse table, or parquet/csv files under a stage path. */
export type OutputDestination = 'table' | 'parquet' | 'csv';
/** What happens to an existing table or path: replace it, add to it, or refuse to start. */
export type SaveMode = 'overwrite' | 'append' | 'error';

/** A spec after validation, defaults and SQL rendering: what the run actually executes. */
export interface ResolvedSpec {
  renderedQuery: string;
  outputDestination: OutputDestination;
  /** Set when outputDestination is 'table'. */
  outputTableName?: string;
  /** Set when outputDestination is 'parquet' or 'csv': a stage prefix without a trailing '/'. */
  outputPath?: string;
  saveMode: SaveMode;
  outputTableDefinition?: ColumnDefinition[];
  predictor: string;
  parallelWorkers: number;
  batchSizeInMb: number;
  timeoutPerBatch: number;
  heartbeatTimeout: number;
  retries: number;
  autoCreateTable: boolean;
  /** saveMode === 'overwrite', as the warehouse's publish takes it. */
  overwrite: boolean;
  /** Every input column next to the predictions (a predictor column replaces an input column of the same name). */
  includeInputColumns: boolean;
  /** The run fails (and cleans up) when it has not finished this long after it left the queue. */
  timeoutMinutes: number;
  /** Rows per record batch handed to the predictor; the worker's default when absent. */
  batchRows?: number;
  /** NaN and ±Infinity predictions are kept; absent (false): the first one fails the chunk. */
  allowNonFinite?: boolean;
  warehouse?: string;
  useUtc: boolean;
}

/**
 * Names one execution of a run. The run id (the workflow id) names the stage folder; the execution id
 * (Temporal's run id) tells a re-run under the same workflow id from the first one, so nothing of an
 * earlier execution is ever reused or counted as published.
 */
export interface RunRef {
  runId: string;
  executionId: string;
}

/** A contiguous range of the run's chunk list, scored by one child workflow. */
export interface Slice {
  worker: number;
  chunkStart: number;
  chunkEnd: number;
  rows: number;
  bytes: number;
}

export interface ExportResult {
  rows: number;
  bytes: number;
  files: number;
  chunks: number;
  slices: Slice[];
}

export interface ChunkResult {
  rowsIn: number;
  rowsOut: number;
  bytesOut: number;
  /** True when the chunk's output was already on the stage (a retry after a lost completion). */
  reused: boolean;
}

export interface SliceTotals {
  chunksDone: number;
  rowsIn: number;
  rowsOut: number;
  bytesOut: number;
}

export interface PublishResult {
  table: string;
  rows: number;
  /** False when this run had already been published (a repeated publish changes nothing). */
  loaded: boolean;
}

export interface PhaseDurations {
  /** Waiting in `submitted` for one of the tenant's slots (BATCH_MAX_CONCURRENT_JOBS). */
  queuedMs: number;
  preparingMs: number;
  runningMs: number;
  completingMs: number;
  totalMs: number;
}

/** What publishing files to a stage path did. */
export interface FilePublishResult {
  path: string;
  files: number;
  rows: number;
}

export interface RunSummary {
  runId: string;
  state: 'completed';
  destination: OutputDestination;
  /** The table the predictions went to (destination 'table'). */
  table?: string;
  /** The stage path the files went to (destination 'parquet' or 'csv'). */
  path?: string;
  rowsIn: number;
  rowsOut: number;
  chunks: number;
  bytesIn: number;
  bytesOut: number;
  workers: number;
  durations: PhaseDurations;
  startedAt: string;
  completedAt: string;
}

export interface Progress {
  runId: string;
  state: RunState;
  totalRows: number | null;
  processedRows: number;
  percentage: number;
  chunksDone: number;
  chunksTotal: number | null;
  startedAt: string;
  estimatedCompletion: string | null;
  error?: string;
}

export interface ProgressSignal {
  worker: number;
  chunks: number;
  rows: number;
}
