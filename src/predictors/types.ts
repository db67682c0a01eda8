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

export type Predictor = (input: arrow.Table, context: PredictorContext) => PredictorOutput | Promise<PredictorOutput>;

export type PredictorMap = Record<string, Predictor>;
