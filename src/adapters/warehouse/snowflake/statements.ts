// The SQL this warehouse sends, built by pure functions so tests can assert the exact text of the
// statements no local emulator runs (the unload), and so every name goes through names.ts.
import type { ColumnDefinition } from '../../../spec/types.js';
import { parseColumnType } from '../../../spec/columnTypes.js';
import { sfIdentifier, sfQualified, sfStageLocation } from './names.js';

export const PUBLISHES_TABLE = 'BATCH_INFERENCE_PUBLISHES';

/** Unloads a query to the stage as parquet files of about fileSizeBytes each, reporting each file. */
export function unloadSql(stage: string, prefix: string, query: string, fileSizeBytes: number): string {
  return (
    `COPY INTO ${sfStageLocation(stage, prefix)} FROM (
${query}
) ` +
    `FILE_FORMAT = (TYPE = PARQUET) HEADER = TRUE MAX_FILE_SIZE = ${Math.max(1, Math.floor(fileSizeBytes))} ` +
    'OVERWRITE = TRUE DETAILED_OUTPUT = TRUE'
  );
}

/**
 * Loads the run's output parquet files by column name. FORCE: the publish marker, not Snowflake's
 * 64-day load history, decides whether files were loaded, so a rolled-back attempt loads them again.
 * USE_LOGICAL_TYPE: parquet timestamps are read at the unit their logical type says (DuckDB writes
 * microseconds), not as raw integers. `files` (names relative to the prefix, already validated by
 * loadStatements.ts) limits the load to exactly those files.
 */
export function loadSql(table: string, stage: string, prefix: string, files?: string[]): string {
  const only = files ? `FILES = (${files.map((f) => `'${f}'`).join(', ')}) ` : '';
  return (
    `COPY INTO ${sfQualified(table)} FROM ${sfStageLocation(stage, prefix)} ${only}` +
    'FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE FORCE = TRUE'
  );
}

/** Snowflake's spelling of a definition's type: the validated text, upper-cased. */
export function sfTypeOf(type: string): string {
  const parsed = parseColumnType(type);
  if (!parsed) throw new Error(`Unsupported column type ${JSON.stringify(type)}`);
  // Lists of floats: a fixed dimension is a VECTOR, any other list a semi-structured ARRAY.
  if (parsed.kind === 'list') return parsed.dimension ? `VECTOR(FLOAT, ${parsed.dimension})` : 'ARRAY';
  return type.trim().toUpperCase().replace(/\s+/g, ' ');
}

export function createTableSql(table: string, columns: ColumnDefinition[]): string {
  return `CREATE TABLE ${sfQualified(table)} (${columns.map(([name, type]) => `${sfIdentifier(name)} ${sfTypeOf(type)}`).join(', ')})`;
}

/** The publish marker table, in the schema of the table it records (or the session's schema). */
export function publishesTable(schema: string | undefined): string {
  return schema ? `${schema}.${sfIdentifier(PUBLISHES_TABLE)}` : sfIdentifier(PUBLISHES_TABLE);
}

export function publishesTableSql(schema: string | undefined): string {
  return `CREATE TABLE IF NOT EXISTS ${publishesTable(schema)} (PUBLISH_ID VARCHAR, RUN_ID VARCHAR, TABLE_NAME VARCHAR, ROW_COUNT NUMBER(38,0), PUBLISHED_AT TIMESTAMP_NTZ)`;
}

/** The Snowflake column type for a DuckDB type read from an output parquet file (tables made without a definition). */
export function sfTypeFromDuckdb(duckdbType: string): string {
  const t = duckdbType.toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(t)) return 'NUMBER(38,0)';
  if (t === 'FLOAT' || t === 'DOUBLE') return 'FLOAT';
  const dec = /^DECIMAL\((\d+),(\d+)\)$/.exec(t);
  if (dec) return `NUMBER(${dec[1]},${dec[2]})`;
  if (t === 'VARCHAR') return 'VARCHAR';
  if (t === 'BOOLEAN') return 'BOOLEAN';
  if (t === 'DATE') return 'DATE';
  if (t.startsWith('TIMESTAMP WITH TIME ZONE')) return 'TIMESTAMP_TZ';
  if (t.startsWith('TIMESTAMP')) return 'TIMESTAMP_NTZ';
  return 'VARIANT';
}
