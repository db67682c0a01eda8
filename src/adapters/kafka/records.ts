// A chunk's staged parquet output as Kafka records: one JSON object per prediction, built by the local
// DuckDB (so values are never boxed in JavaScript) and streamed a vector at a time.
// JSON numbers stay numbers, except integers beyond ±2^53 (BIGINT, HUGEINT, UBIGINT), which become
// strings: a JavaScript consumer would silently round them. NaN and ±Infinity (allowNonFinite) are not
// JSON numbers: they become the strings "nan", "inf" and "-inf".
import { withEngine } from '../localEngine/localEngine.js';
import { quoteIdentifier, quoteLiteral } from '../../spec/identifiers.js';

export interface OutputColumn {
  name: string;
  type: string;
}

const BIG_INTEGERS = new Set(['BIGINT', 'HUGEINT', 'UBIGINT', 'UHUGEINT']);
const FLOATS = new Set(['DOUBLE', 'FLOAT', 'REAL']);
const MAX_SAFE = '9007199254740991';

const FLOAT_LIST = /^(DOUBLE|FLOAT|REAL)\[\d*\]$/;

const finiteOrText = (x: string) => `CASE WHEN isfinite(${x}) THEN to_json(${x}) ELSE to_json(lower(${x}::VARCHAR)) END`;

/** The JSON value of one column, as a DuckDB expression of type JSON. */
function jsonValue({ name, type }: OutputColumn): string {
  const col = quoteIdentifier(name);
  const upper = type.toUpperCase();
  if (BIG_INTEGERS.has(upper))
    return `CASE WHEN ${col} BETWEEN -${MAX_SAFE} AND ${MAX_SAFE} THEN to_json(${col}) ELSE to_json(${col}::VARCHAR) END`;
  if (FLOATS.has(upper)) return finiteOrText(col);
  // Float lists (embeddings) may hold NaN too: each element the same way, or the record is not JSON.
  if (FLOAT_LIST.test(upper)) return `to_json(list_transform(${col}, x -> ${finiteOrText('x')}))`;
  return `to_json(${col})`;
}

/** SELECT value, key FROM the file: value the JSON text of the row, key the key column as text (or NULL). */
export function recordsQuery(file: string, columns: OutputColumn[], key: string | null): string {
  const pairs = columns.map((c) => `${quoteLiteral(c.name)}, ${jsonValue(c)}`).join(', ');
  const keyExpr = key === null ? 'NULL' : `CAST(${quoteIdentifier(key)} AS VARCHAR)`;
  return `SELECT CAST(json_object(${pairs}) AS VARCHAR) AS value, ${keyExpr} AS key FROM read_parquet(${quoteLiteral(file)})`;
}

export interface RecordBatch {
  values: string[];
  keys: (string | null)[];
}

/** Streams the file's records in batches of one DuckDB vector (2,048 rows). */
export async function forEachRecordBatch(
  file: string,
  columns: OutputColumn[],
  key: string | null,
  fn: (batch: RecordBatch) => Promise<void>,
): Promise<number> {
  return withEngine(async (conn) => {
    const result = await conn.stream(recordsQuery(file, columns, key));
    let rows = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const values = chunk.getColumnValues(0) as string[];
      const keys = chunk.getColumnValues(1) as (string | null)[];
      rows += values.length;
      await fn({ values, keys });
    }
    return rows;
  });
}
