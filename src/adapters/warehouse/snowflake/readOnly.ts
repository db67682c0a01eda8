// Snowflake's parser decides whether user SQL is one read-only statement, and nothing runs:
// both compiles are describe-only. First the SQL alone with MULTI_STATEMENT_COUNT = 1, so Snowflake
// itself counts the statements; then as a subquery, which compiles only for a query (SELECT, WITH,
// VALUES…), never for DML, DDL or a COPY.
import { QueryError } from '../../../spec/errors.js';
import { QueryRefusedError } from '../../../spec/queryRefusal.js';
import type { Row, StatementOptions } from './connection.js';

interface Runner {
  run(sql: string, options?: StatementOptions): Promise<Row[]>;
}

/** Snowflake's answer to a statement count other than the one asked for (error 000008). */
const COUNT_MISMATCH = /statement count (\d+) did not match the desired statement count/i;

export async function checkSnowflakeQuery(s: Runner, sql: string, field: string): Promise<void> {
  try {
    await s.run(sql, { describeOnly: true, parameters: { MULTI_STATEMENT_COUNT: '1' } });
  } catch (err) {
    const count = COUNT_MISMATCH.exec((err as Error).message);
    if (count) throw new QueryRefusedError(field, `${count[1]} statements`);
    throw err;
  }
  try {
    await s.run(`SELECT * FROM (${sql}) LIMIT 0`, { describeOnly: true, parameters: { MULTI_STATEMENT_COUNT: '1' } });
  } catch (err) {
    // The SQL compiled on its own but not as a subquery: it is a statement that is not a query.
    if (err instanceof QueryError) throw new QueryRefusedError(field, 'a statement that is not a query (not a SELECT)');
    throw err;
  }
}
