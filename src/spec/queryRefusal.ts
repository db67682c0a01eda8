// A query the warehouse's own parser says is not exactly one read-only statement. Refused before
// any query runs; a retry cannot change it.
import { NonRetryableError } from '../nonRetryableError.js';
export class QueryRefusedError extends NonRetryableError {
  constructor(
    /** The spec field holding the SQL: inputQuery, or data.query of a sensor. */
    readonly field: string,
    /** What the parser found, e.g. "2 statements" or "an INSERT statement". */
    readonly found: string,
    readonly fix = 'give exactly one read-only statement (SELECT or WITH … SELECT), without a trailing second statement',
  ) {
    super(`${field}: the warehouse parsed ${found}; ${fix}`);
  }
}
