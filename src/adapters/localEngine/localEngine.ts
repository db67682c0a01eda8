// The worker's own in-memory DuckDB: it reads staged parquet, hands record batches to predictors
// and writes their output back to parquet. One instance per process; one connection per activity.
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

let instance: Promise<DuckDBInstance> | undefined;

function engine(): Promise<DuckDBInstance> {
  // Row order inside a chunk carries no meaning (every output row keeps its input's columns), and
  // without it DuckDB reads and writes parquet with all its threads.
  // Loaded on first use: the CLI reaches this module through the warehouse without ever scoring.
  instance ??= import('@duckdb/node-api').then(({ DuckDBInstance }) =>
    DuckDBInstance.create(':memory:', { preserve_insertion_order: 'false' }),
  );
  return instance;
}

/**
 * Runs fn with two connections: DuckDB runs one statement at a time per connection, and a new
 * statement ends a streaming result, so reading and writing need a connection each.
 */
export async function withEngine<T>(fn: (reader: DuckDBConnection, writer: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await engine();
  const reader = await db.connect();
  const writer = await db.connect();
  try {
    return await fn(reader, writer);
  } finally {
    reader.closeSync();
    writer.closeSync();
  }
}

export function sqlPathList(paths: readonly string[]): string {
  return `[${paths.map((p) => `'${p.replace(/'/g, "''")}'`).join(', ')}]`;
}
