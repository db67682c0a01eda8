// Errors of a warehouse's statements, shaped the same way by every warehouse.
import { NonRetryableError } from '../../nonRetryableError.js';

/** How much of a statement a message quotes; the whole statement stays in the `sql` field. */
const EXCERPT = 300;

/**
 * The warehouse rejected a statement and a retry will not change that (syntax, a missing object,
 * no privilege, bad data). The statement is kept as a field; the message quotes only its start.
 */
export class QueryError extends NonRetryableError {
  readonly sql: string;
  readonly sqlState?: string;
  /** The warehouse's own words, without the statement. */
  readonly reason: string;
  constructor(fields: { warehouse: string; sql: string; sqlState?: string; reason: string; cause?: unknown }) {
    const state = fields.sqlState ? ` (${fields.sqlState})` : '';
    const excerpt = fields.sql.length > EXCERPT ? `${fields.sql.slice(0, EXCERPT)}…` : fields.sql;
    super(`${fields.warehouse} rejected the statement${state}: ${fields.reason}\n  in: ${excerpt}`, { cause: fields.cause });
    this.sql = fields.sql;
    this.sqlState = fields.sqlState;
    this.reason = fields.reason;
  }
}

/** The predictions cannot be loaded into the output as asked (a missing table, columns that do not fit). */
export class PublishError extends NonRetryableError {
  constructor(
    message: string,
    readonly table?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A query the warehouse's own parser says is not exactly one read-only statement. Refused before any
 * query runs; a retry cannot change it.
 */
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
