// Warehouse column types accepted in outputTableDefinition (Snowflake spelling, as in the seed),
// reduced to the few logical kinds the pipeline validates and converts.

export type ColumnKind = 'int' | 'float' | 'decimal' | 'string' | 'bool' | 'date' | 'timestamp' | 'list';

export interface ColumnType {
  kind: ColumnKind;
  precision?: number;
  scale?: number;
  /** A list column (embeddings): its element type, and the fixed number of values per row when declared. */
  element?: 'float' | 'double';
  dimension?: number;
}

/** The most values per row a fixed-dimension list may declare (Snowflake's VECTOR limit). */
export const MAX_LIST_DIMENSION = 4096;

const SIMPLE: Record<string, ColumnKind> = {
  INT: 'int',
  INTEGER: 'int',
  BIGINT: 'int',
  SMALLINT: 'int',
  TINYINT: 'int',
  BYTEINT: 'int',
  FLOAT: 'float',
  FLOAT4: 'float',
  FLOAT8: 'float',
  DOUBLE: 'float',
  'DOUBLE PRECISION': 'float',
  REAL: 'float',
  VARCHAR: 'string',
  STRING: 'string',
  TEXT: 'string',
  CHAR: 'string',
  CHARACTER: 'string',
  BOOLEAN: 'bool',
  BOOL: 'bool',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  TIMESTAMP_NTZ: 'timestamp',
  TIMESTAMP_LTZ: 'timestamp',
  TIMESTAMP_TZ: 'timestamp',
  DATETIME: 'timestamp',
};

export const COLUMN_TYPE_HELP =
  'use NUMBER, NUMBER(p,s), INTEGER, FLOAT, DOUBLE, VARCHAR, BOOLEAN, DATE, TIMESTAMP_NTZ, or a list of floats: FLOAT[], DOUBLE[], FLOAT[n], ARRAY or VECTOR(FLOAT, n) (n from 1 to 4096)';

export function parseColumnType(raw: string): ColumnType | null {
  const t = raw.trim().toUpperCase().replace(/\s+/g, ' ');
  if (SIMPLE[t]) return { kind: SIMPLE[t] };
  const sized = /^(VARCHAR|STRING|TEXT|CHAR|CHARACTER)\s*\(\s*\d+\s*\)$/.exec(t);
  if (sized) return { kind: 'string' };
  const num = /^(NUMBER|NUMERIC|DECIMAL)(?:\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(t);
  if (num) {
    const precision = num[2] ? Number(num[2]) : 38;
    const scale = num[3] ? Number(num[3]) : 0;
    if (precision < 1 || precision > 38 || scale > precision) return null;
    return scale === 0 ? { kind: 'int', precision } : { kind: 'decimal', precision, scale };
  }
  const ts = /^(TIMESTAMP(?:_NTZ|_LTZ|_TZ)?)\s*\(\s*\d\s*\)$/.exec(t);
  if (ts) return { kind: 'timestamp' };
  return parseListType(t);
}

/** FLOAT[] / DOUBLE[] / FLOAT[384] (DuckDB), ARRAY and VECTOR(FLOAT, 384) (Snowflake): one list of floats per row. */
function parseListType(t: string): ColumnType | null {
  if (t === 'ARRAY') return { kind: 'list', element: 'double' };
  const duck = /^(FLOAT|FLOAT4|REAL|DOUBLE|FLOAT8)\s*\[\s*(\d*)\s*\]$/.exec(t);
  const vector = /^VECTOR\s*\(\s*FLOAT\s*,\s*(\d+)\s*\)$/.exec(t);
  if (!duck && !vector) return null;
  const element = duck && (duck[1] === 'DOUBLE' || duck[1] === 'FLOAT8') ? 'double' : 'float';
  const digits = duck ? duck[2] : vector![1];
  if (!digits) return { kind: 'list', element };
  const dimension = Number(digits);
  if (dimension < 1 || dimension > MAX_LIST_DIMENSION) return null;
  return { kind: 'list', element, dimension };
}

/** The DuckDB type used for a column of this kind in the embedded warehouse and in output parquet. */
export function duckdbTypeOf(type: ColumnType): string {
  switch (type.kind) {
    case 'int':
      return 'BIGINT';
    case 'float':
      return 'DOUBLE';
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'string':
      return 'VARCHAR';
    case 'bool':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'list':
      return type.element === 'double' ? 'DOUBLE[]' : 'FLOAT[]';
  }
}
