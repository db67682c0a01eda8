// What goes wrong when a predictor scores a batch. Each error names the chunk, the predictor, the limit it
// hit or what it returned, and the fix, and carries those as fields.
import { NonRetryableError } from '../nonRetryableError.js';

/** Output that cannot be predictions: scoring it again gives the same answer. */
export class PredictorOutputError extends NonRetryableError {
  constructor(
    readonly predictor: string,
    readonly problem: string,
  ) {
    super(`Predictor "${predictor}" returned bad output: ${problem}`);
  }
}

/** Where a batch was being scored, e.g. "chunk 3 of worker 1". */
export interface ChunkPlace {
  worker: number;
  chunk: number;
}

export const placeText = (p: ChunkPlace) => `chunk ${p.chunk} of worker ${p.worker}`;

/** The predictor did not return before the activity's deadline (timeoutPerBatch). Retryable, as a Temporal timeout is. */
export class PredictorTimeoutError extends Error {
  constructor(
    readonly place: ChunkPlace,
    readonly predictor: string,
    readonly timeoutPerBatch: number,
  ) {
    super(
      `${placeText(place)}: predictor "${predictor}" did not return within timeoutPerBatch (${timeoutPerBatch} s); raise timeoutPerBatch or make the predictor faster`,
    );
    this.name = 'PredictorTimeoutError';
  }
}

/** The predictor's thread went over BATCH_PREDICTOR_MAX_MEMORY_MB. The same batch would do it again: not retried. */
export class PredictorMemoryError extends NonRetryableError {
  constructor(
    readonly place: ChunkPlace,
    readonly predictor: string,
    readonly maxMemoryMb: number,
  ) {
    super(
      `${placeText(place)}: predictor "${predictor}" went over the memory limit of its thread (BATCH_PREDICTOR_MAX_MEMORY_MB = ${maxMemoryMb}); raise BATCH_PREDICTOR_MAX_MEMORY_MB on the worker or make the predictor use less memory`,
    );
  }
}

/** The predictor's thread ended without answering (process.exit, an uncaught error in a callback). Retried. */
export class PredictorCrashError extends Error {
  constructor(
    readonly place: ChunkPlace,
    readonly predictor: string,
    readonly exitCode: number,
    /** The uncaught error that ended the thread, if there was one. */
    readonly reason?: string,
  ) {
    super(
      `${placeText(place)}: predictor "${predictor}" ended its thread (exit code ${exitCode}${reason ? `, uncaught: ${reason}` : ''}) without returning; a predictor must return its predictions (or throw from the call), not exit or throw from a callback`,
    );
    this.name = 'PredictorCrashError';
  }
}

/** A prediction is NaN or ±Infinity and the spec does not allow that. Not retried. */
export class NonFiniteOutputError extends NonRetryableError {
  constructor(
    readonly place: ChunkPlace,
    readonly predictor: string,
    readonly column: string,
    /** Position in the chunk, counting from 0. */
    readonly row: number,
    readonly value: number,
  ) {
    super(
      `${placeText(place)}: predictor "${predictor}" returned ${value} in column "${column}" at row ${row} of the chunk (the first such value); return finite numbers, or set allowNonFinite: true in the spec to keep NaN and ±Infinity`,
    );
  }
}
