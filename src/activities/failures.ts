// The activity edge: our named errors that a retry cannot fix become non-retryable
// ApplicationFailures whose message tells the user what to change.
import { ApplicationFailure } from '@temporalio/common';
import { NON_RETRYABLE_ERRORS, SpecError } from '../spec/errors.js';

export async function atActivityEdge<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && NON_RETRYABLE_ERRORS.includes(err.name)) {
      const details = err instanceof SpecError ? [err.problems] : [];
      throw ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true, details, cause: err });
    }
    throw err;
  }
}
