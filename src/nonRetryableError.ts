// The one test of retryability: an error a retry cannot fix extends NonRetryableError, and the activity
// edge (activities/failures.ts) turns it into a non-retryable ApplicationFailure of type `name`.
// Each subclass lives with the layer that throws it and carries its data as fields.
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Data for the failure's details, read by whoever catches it (e.g. a SpecError's field problems). */
  details(): unknown[] {
    return [];
  }
}
