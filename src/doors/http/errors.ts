// Every error the API answers is JSON ({ error, message, problems? }); bad requests name each field.
import type { z } from 'zod';
import type { FieldProblem } from '../../spec/errors.js';
import { issueMessage } from '../../spec/issueMessage.js';
import type { ErrorBody } from './schemas.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems?: FieldProblem[],
  ) {
    super(message);
    this.name = 'HttpError';
  }

  get body(): ErrorBody {
    return { error: this.code, message: this.message, ...(this.problems ? { problems: this.problems } : {}) };
  }
}

export function badRequest(problems: FieldProblem[]): HttpError {
  const list = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  return new HttpError(
    400,
    'invalid_request',
    `The request has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${list}`,
    problems,
  );
}

export const notFound = (jobId: string) => new HttpError(404, 'not_found', `No job ${jobId}`);

/** zod issues as field problems; `prefix` places them (e.g. a query string parameter). */
export function zodProblems(error: z.ZodError, prefix: string[] = []): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ field: [...path, key].join('.'), message: 'unknown field; remove it' });
      continue;
    }
    problems.push({ field: path.join('.') || '(body)', message: issueMessage(issue) });
  }
  return problems;
}
