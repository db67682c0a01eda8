// DuckDB's parser decides whether user SQL is one read-only statement: the statements it extracts
// and the type of the prepared one. Preparing binds the names, so a table the tenant's database does
// not have fails here with DuckDB's own error; nothing is executed.
import type { DuckDBConnection } from '@duckdb/node-api';
import { QueryRefusedError } from '../errors.js';

const article = (word: string) => (/^[AEIOU]/.test(word) ? 'an' : 'a');

export async function checkOneSelect(conn: DuckDBConnection, sql: string, field: string): Promise<void> {
  const extracted = await extract(conn, sql, field);
  if (extracted.count !== 1) {
    throw new QueryRefusedError(field, `${extracted.count} statement${extracted.count === 1 ? '' : 's'}`);
  }
  const prepared = await extracted.prepare(0);
  try {
    const { StatementType } = await import('@duckdb/node-api');
    const type = StatementType[prepared.statementType] ?? String(prepared.statementType);
    if (type !== 'SELECT') throw new QueryRefusedError(field, `${article(type)} ${type} statement`);
  } finally {
    prepared.destroySync();
  }
}

/**
 * The statement we build around user SQL (COPY (…) TO …) must still be exactly one statement: SQL
 * that closes our parenthesis could otherwise append statements of its own.
 */
export async function checkStillOneStatement(conn: DuckDBConnection, wrapped: string, field: string): Promise<void> {
  const extracted = await extract(conn, wrapped, field);
  if (extracted.count !== 1) {
    throw new QueryRefusedError(field, `${extracted.count} statements once placed in the export`);
  }
}

/**
 * The extracted statements. node-api throws when there are none: with DuckDB's parser error (which
 * then reads like any other DuckDB error), or with no message at all for SQL that is only comments
 * or semicolons.
 */
async function extract(conn: DuckDBConnection, sql: string, field: string) {
  try {
    return await conn.extractStatements(sql);
  } catch (err) {
    const message = (err as Error).message;
    const prefix = 'Failed to extract statements: ';
    if (message.startsWith(prefix)) throw new Error(message.slice(prefix.length));
    throw new QueryRefusedError(field, '0 statements');
  }
}
