// The columns a query returns, without running it: DuckDB binds the prepared statement, which names
// its result columns. Checked first to be exactly one read-only SELECT, like any user SQL we prepare.
import type { DuckDBConnection } from '@duckdb/node-api';
import { checkOneSelect } from './duckdbReadOnly.js';

export async function resultColumns(conn: DuckDBConnection, sql: string, field: string): Promise<string[]> {
  await checkOneSelect(conn, sql, field);
  const prepared = await (await conn.extractStatements(sql)).prepare(0);
  try {
    return Array.from({ length: prepared.columnCount }, (_, i) => prepared.columnName(i));
  } finally {
    prepared.destroySync();
  }
}
