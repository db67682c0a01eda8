// A predictor scores one record batch: an Arrow table in, an Arrow table (or named columns) out,
// with exactly one output row per input row.
import type * as arrow from 'apache-arrow';

export type OutputColumnValues = arrow.Vector | ArrayLike<unknown>;
export type PredictorOutput = arrow.Table | Record<string, OutputColumnValues>;

export interface PredictorContext {
  runId: string;
  worker: number;
  chunk: number;
  batch: number;
}

/**
 * Scores one batch. Calls to one predictor never overlap, and its caller is done with what it returned
 * (appended or copied) before the next call: a predictor may reuse its output buffers (ONNX models do).
 * A pipelined source (ModulePredictorSource.pipelined) is called once more before that, and keeps
 * each answer until its batch is written.
 */
export type Predictor = (input: arrow.Table, context: PredictorContext) => PredictorOutput | Promise<PredictorOutput>;

export type PredictorMap = Record<string, Predictor>;
