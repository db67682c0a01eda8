// Snowflake errors outside SQLSTATE classes 42/22/0A that a retry still cannot fix, found by SQLSTATE
// and Snowflake's error code. Retrying them repeats the same wait or the same refusal:
// - 57014 / 000604 "SQL execution canceled": STATEMENT_TIMEOUT_IN_SECONDS ended the statement (or an
//   administrator cancelled it); the next attempt runs as long and is cancelled again.
// - 57P03 / 000606 "No active warehouse selected in the current session": no warehouse is configured
//   or the role may not use it.
// An error this module does not know is left to connection.ts's classify.
import { QueryError } from '../errors.js';

interface DriverError extends Error {
  code?: string | number;
  sqlState?: string;
}

/** A statement Snowflake cancelled: a timeout that a retry would hit again. */
export class StatementTimeoutError extends QueryError {}

/** The session has no warehouse to run on: configuration, not a passing fault. */
export class NoActiveWarehouseError extends QueryError {}

const KNOWN: { sqlState: string; code: string; make: (fields: ConstructorParameters<typeof QueryError>[0]) => QueryError; fix: string }[] =
  [
    {
      sqlState: '57014',
      code: '000604',
      make: (f) => new StatementTimeoutError(f),
      fix: 'the statement ran into STATEMENT_TIMEOUT_IN_SECONDS (user, warehouse or account) or was cancelled: raise the timeout for this user or warehouse, or narrow the query',
    },
    {
      sqlState: '57P03',
      code: '000606',
      make: (f) => new NoActiveWarehouseError(f),
      fix: "set SNOWFLAKE_WAREHOUSE (or the spec's warehouse) to a warehouse this role has USAGE on",
    },
  ];

/** The non-retryable error for a known SQLSTATE or Snowflake code, else undefined. */
export function classifyBySqlState(err: DriverError, sqlText: string): QueryError | undefined {
  const code = String(err.code ?? '').padStart(6, '0');
  const known = KNOWN.find((k) => err.sqlState === k.sqlState || code === k.code);
  if (!known) return undefined;
  return known.make({
    warehouse: 'Snowflake',
    sql: sqlText,
    sqlState: err.sqlState ?? known.sqlState,
    reason: `${err.message} (${known.fix})`,
    cause: err,
  });
}
