// One zod issue as a sentence a user can act on: "required" only for a missing field, otherwise what
// type was expected and what was given. zod 4 sets `issue.input` only when the parse is asked to
// (PARSE_OPTIONS); without it every wrong type looked missing and was reported as "required".
import type { z } from 'zod';

/** Pass to safeParse so that issues carry the value they are about. */
export const PARSE_OPTIONS = { reportInput: true } as const;

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'a list',
  bigint: 'a whole number',
};

/** A short, safe description of a given value: long strings are cut, objects are named, not printed. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_type') return issue.message;
  if (issue.input === undefined) return 'required';
  const got = describeValue(issue.input);
  // zod's own wording ("Invalid input: expected number, received string") gives way to ours;
  // a schema's own message ("use a whole number") is kept and told what it got.
  if (issue.message.startsWith('Invalid input')) return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${got}`;
  return `${issue.message}, got ${got}`;
}
