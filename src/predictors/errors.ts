// A predictor returned something that cannot be predictions: scoring it again gives the same answer.
import { NonRetryableError } from '../nonRetryableError.js';

export class PredictorOutputError extends NonRetryableError {
  constructor(
    readonly predictor: string,
    readonly problem: string,
  ) {
    super(`Predictor "${predictor}" returned bad output: ${problem}`);
  }
}
