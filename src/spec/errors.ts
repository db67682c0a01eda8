// A job spec that cannot run as given: every bad field, what it got and the fix.
import { NonRetryableError } from '../nonRetryableError.js';

export interface FieldProblem {
  field: string;
  message: string;
}

export class SpecError extends NonRetryableError {
  readonly problems: FieldProblem[];
  constructor(problems: FieldProblem[]) {
    super(`Invalid job spec:\n${problems.map((p) => `  - ${p.field}: ${p.message}`).join('\n')}`);
    this.problems = problems;
  }

  override details(): unknown[] {
    return [this.problems];
  }
}
