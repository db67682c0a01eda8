// A query's result columns without reading its rows: a zero-row run (LIMIT 0) whose metadata the
// driver returns. Snowflake compiles the query but scans nothing.
import type { Connection } from 'snowflake-sdk';
import { classify } from './connection.js';
import type { ResultColumn } from './typeMapping.js';

export function describeResult(conn: Connection, query: string, parameters?: Record<string, string>): Promise<ResultColumn[]> {
  const sqlText = `SELECT * FROM (
${query}
) LIMIT 0`;
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText,
      parameters,
      complete: (err, stmt) =>
        err
          ? reject(classify(err, sqlText))
          : resolve((stmt.getColumns() ?? []).map((c) => ({ name: c.getName(), type: String(c.getType()) }))),
    });
  });
}
