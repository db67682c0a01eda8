// The messages between a scoring activity and a chunk thread, and the one word of shared state that
// says when the thread may be terminated. A chunk thread reads, scores and writes a whole chunk with
// its own DuckDB; terminating it while a DuckDB call of its own is in flight aborts the whole process
// (the native completion throws into a torn-down thread), so a stop is cooperative (DuckDB's
// interrupt) unless the thread is inside user code, where no DuckDB call is in flight.
import type { ModulePredictorSource } from '../../predictors/isolation/batchScorer.js';
import type { ThreadError } from '../../predictors/isolation/protocol.js';
import type { ColumnDefinition } from '../../spec/types.js';
import type { ParquetPart } from '../parquetReader.js';

/** Values of the shared state word (Int32Array index 0). */
export const ChunkState = {
  /** Running our own code (DuckDB calls may be in flight): stopped only by asking. */
  OURS: 0,
  /** Inside the predictor (or loading its module): no DuckDB call in flight, safe to terminate. */
  USER_CODE: 1,
  /** The main thread is terminating the thread: it must not start another DuckDB call. */
  TERMINATING: 2,
  /** The main thread asked the chunk to stop: the thread interrupts its DuckDB calls and answers `stopped`. */
  STOPPING: 3,
} as const;

export interface ChunkRequest {
  type: 'chunk';
  id: number;
  /** The registered predictor name, for messages. */
  predictor: string;
  source: ModulePredictorSource;
  /** The chunk's parts as local parquet copies (fetched from the stage on the main thread). */
  parts: ParquetPart[];
  /** The spec's includeInputColumns: the input's columns are written beside the predictions. */
  includeInputColumns: boolean;
  batchRows: number;
  runId: string;
  worker: number;
  chunk: number;
  required?: string[];
  outputTableDefinition?: ColumnDefinition[];
  /** false: NaN and ±Infinity are refused (the spec's allowNonFinite). */
  allowNonFinite: boolean;
  /** The chunk's file becomes the user's parquet file: written with column statistics (default: without). */
  statistics?: boolean;
  /** The chunk's file is snappy-compressed (default): see ChunkIOOptions.compressed. */
  compressed?: boolean;
  /** Where the thread writes the chunk's parquet (the main thread uploads it). */
  scratch: string;
}

export interface StopRequest {
  type: 'stop';
  /** The chunk to stop: a stop that crossed that chunk's answer is ignored. */
  id: number;
}

/** Before the thread is ended: it closes what its modules started (threadHooks.ts) and answers `closed`. */
export interface CloseRequest {
  type: 'close';
}

export type ToThread = ChunkRequest | StopRequest | CloseRequest;

export type FromThread =
  /** The thread's DuckDB has opened (or failed to): from now on it may be terminated while idle. */
  | { type: 'ready' }
  /** Answer to a CloseRequest. */
  | { type: 'closed' }
  | { type: 'progress'; id: number; batch: number; rows: number }
  | { type: 'done'; id: number; rowsOut: number }
  | { type: 'stopped'; id: number }
  | { type: 'failed'; id: number; error: ThreadError };
