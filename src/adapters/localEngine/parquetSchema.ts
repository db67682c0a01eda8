// Column names and DuckDB types of a parquet file, read from its footer by the local engine.
import { quoteLiteral } from '../../spec/identifiers.js';
import { withEngine } from './localEngine.js';

export async function parquetColumns(file: string): Promise<{ name: string; type: string }[]> {
  return withEngine(async (conn) => {
    const reader = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(file)})`);
    return reader.getRowObjectsJson().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  });
}
