// Snowflake's compiler decides whether user SQL is one read-only statement, and nothing runs: the
// SQL is compiled describe-only as a subquery, which compiles only for one query (SELECT, WITH,
// VALUES…), never for DML, DDL or a COPY, and with MULTI_STATEMENT_COUNT = 1 so that Snowflake
// itself refuses a text holding more than one statement.
import { QueryError, QueryRefusedError } from '../errors.js';
import type { Row, StatementOptions } from './connection.js';

interface Runner {
  run(sql: string, options?: StatementOptions): Promise<Row[]>;
}

/** Snowflake's syntax error (001003; its text reads "syntax error … unexpected 'DELETE'"). */
const SYNTAX_ERROR = /syntax error|\b001003\b/i;
/** Snowflake's answer to a statement count other than the one asked for (error 000008). */
const COUNT_MISMATCH = /statement count (\d+) did not match the desired statement count/i;

export async function checkSnowflakeQuery(s: Runner, sql: string, field: string): Promise<void> {
  try {
    await s.run(
      `SELECT * FROM (
${sql}
) LIMIT 0`,
      { describeOnly: true, parameters: { MULTI_STATEMENT_COUNT: '1' } },
    );
  } catch (err) {
    const message = (err as Error).message;
    const count = COUNT_MISMATCH.exec(message);
    if (count) throw new QueryRefusedError(field, `${count[1]} statements`);
    // Not a query, or more than one statement: it does not parse as a subquery. Other errors (a
    // table that does not exist or that the role may not read) are Snowflake's own, passed on.
    if (err instanceof QueryError && SYNTAX_ERROR.test(message)) {
      throw new QueryRefusedError(field, 'something other than one query (a statement that is not a SELECT, or more than one statement)');
    }
    throw err;
  }
}
