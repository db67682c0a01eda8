// What Snowflake can unload to parquet: TIMESTAMP_TZ and TIMESTAMP_LTZ columns are refused ("not
// supported for unloading to Parquet"), so the export wraps the user's query in a projection that turns
// them into TIMESTAMP_NTZ. Pure functions: the result columns come from resultColumns.ts.

/** One column of a query's result as the driver describes it (type in the driver's lower-case spelling). */
export interface ResultColumn {
  name: string;
  /** e.g. 'fixed', 'real', 'text', 'timestamp_ntz', 'timestamp_ltz', 'timestamp_tz', 'variant'. */
  type: string;
}

/** A result column name as a Snowflake quoted identifier, exactly as the result spells it. */
export function sfExactIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Whether Snowflake refuses to unload a column of this type to parquet. */
export function needsNtzProjection(type: string): boolean {
  const t = type.toLowerCase();
  return t === 'timestamp_tz' || t === 'timestamp_ltz';
}

/**
 * The expression a column is unloaded as. TZ/LTZ become TIMESTAMP_NTZ: with useUtc the instant in UTC
 * (CONVERT_TIMEZONE keeps the instant, the cast then drops the offset); without it the wall-clock time
 * the value shows in its own offset (TZ) or the session's time zone (LTZ), which is what a cast keeps.
 */
export function unloadExpression(column: ResultColumn, useUtc: boolean): string {
  const col = sfExactIdentifier(column.name);
  if (!needsNtzProjection(column.type)) return col;
  const value = useUtc ? `CONVERT_TIMEZONE('UTC', ${col})` : col;
  return `${value}::TIMESTAMP_NTZ AS ${col}`;
}

/** The query to unload: unchanged when no column needs projecting, else a SELECT over it naming every column. */
export function projectForParquet(query: string, columns: ResultColumn[], useUtc: boolean): string {
  if (!columns.some((c) => needsNtzProjection(c.type))) return query;
  return `SELECT ${columns.map((c) => unloadExpression(c, useUtc)).join(', ')} FROM (
${query}
)`;
}
