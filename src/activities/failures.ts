// The activity edge: errors that a retry cannot fix (NonRetryableError) become non-retryable
// ApplicationFailures whose type is the error's name and whose message tells the user what to change.
import { ApplicationFailure } from '@temporalio/common';
import { NonRetryableError } from '../nonRetryableError.js';

export async function atActivityEdge<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NonRetryableError) {
      throw ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true, details: err.details(), cause: err });
    }
    throw err;
  }
}
