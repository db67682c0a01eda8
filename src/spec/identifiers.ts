// Table and column names are validated before they reach SQL, then always quoted:
// a spec cannot inject SQL through them.

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
export const QUALIFIED_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}$/;

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes each part of db.schema.table. */
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdentifier).join('.');
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
