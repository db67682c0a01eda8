// Errors a retry cannot fix. Each carries what the user needs to act: the field, the value, the fix.
// The activity edge turns them into non-retryable ApplicationFailures (see activities/failures.ts).

export interface FieldProblem {
  field: string;
  message: string;
}

export class SpecError extends Error {
  readonly problems: FieldProblem[];
  constructor(problems: FieldProblem[]) {
    super(
      `Invalid job spec:\n${problems.map((p) => `  - ${p.field}: ${p.message}`).join('\n')}`,
    );
    this.name = 'SpecError';
    this.problems = problems;
  }
}

export class PredictorOutputError extends Error {
  constructor(predictor: string, message: string) {
    super(`Predictor "${predictor}" returned bad output: ${message}`);
    this.name = 'PredictorOutputError';
  }
}

export class PublishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishError';
  }
}

export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

/** saveMode "error" and the output table or path already holds data. */
export class OutputExistsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputExistsError';
  }
}

/** The query returned more rows than BATCH_MAX_INPUT_ROWS allows. */
export class InputTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputTooLargeError';
  }
}

export const NON_RETRYABLE_ERRORS = [
  'SpecError', 'PredictorOutputError', 'PublishError', 'QueryError', 'OutputExistsError', 'InputTooLargeError',
  // src/predictors/runErrors.ts: the same batch would hit the same limit again.
  'PredictorMemoryError', 'NonFiniteOutputError',
];
