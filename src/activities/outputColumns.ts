// An existing output table must take the run's columns: checked in preparing, so a table that cannot
// take them fails the run before any scoring instead of at publish, after all of it.
import { parseColumnType, type ColumnKind } from '../spec/columnTypes.js';
import { NonRetryableError } from '../nonRetryableError.js';
import type { ResolvedSpec } from '../spec/types.js';
import type { Warehouse } from '../adapters/warehouse/warehouse.js';

/** The table exists but lacks a column of the output, or has it with a type the output cannot go into. */
export class OutputTableMismatchError extends NonRetryableError {
  constructor(
    readonly table: string,
    readonly column: string,
    readonly expected: string,
    /** The table's type of the column; undefined when the table lacks it. */
    readonly found: string | undefined,
  ) {
    super(
      found === undefined
        ? `Table ${table} has no column "${column}" (outputTableDefinition has it as ${expected}); add the column to the table (ALTER TABLE ${table} ADD COLUMN ${column} ...), drop the table so the run creates it, or publish to another outputTableName`
        : `Table ${table} has column "${column}" as ${found}, which cannot hold ${expected} (outputTableDefinition); change the column's type in the table or in outputTableDefinition, drop the table so the run creates it, or publish to another outputTableName`,
    );
  }
}

// Warehouse spellings parseColumnType does not know (DuckDB's own names).
const EXTRA_KINDS: Record<string, ColumnKind> = {
  HUGEINT: 'int',
  UHUGEINT: 'int',
  UBIGINT: 'int',
  UINTEGER: 'int',
  USMALLINT: 'int',
  UTINYINT: 'int',
  'TIMESTAMP WITH TIME ZONE': 'timestamp',
  TIMESTAMPTZ: 'timestamp',
  TIMESTAMP_S: 'timestamp',
  TIMESTAMP_MS: 'timestamp',
  TIMESTAMP_NS: 'timestamp',
};

function kindOf(type: string): ColumnKind | undefined {
  return parseColumnType(type)?.kind ?? EXTRA_KINDS[type.trim().toUpperCase()];
}

/** Whether a column of kind `target` takes values of kind `source` without loss of meaning. */
function takes(target: ColumnKind, source: ColumnKind): boolean {
  if (target === source || target === 'string') return true;
  if (target === 'float' || target === 'decimal') return source === 'int' || source === 'float' || source === 'decimal';
  return target === 'timestamp' && source === 'date';
}

export async function checkOutputColumns(spec: ResolvedSpec, warehouse: Warehouse): Promise<void> {
  const definition = spec.outputTableDefinition;
  if (spec.outputDestination !== 'table' || !definition || !warehouse.tableColumns) return;
  const table = spec.outputTableName!;
  const existing = await warehouse.tableColumns(table, { useUtc: spec.useUtc, warehouse: spec.warehouse });
  if (!existing) return; // no table yet: publish creates it from the definition
  for (const [name, type] of definition) {
    const column = existing.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (!column) throw new OutputTableMismatchError(table, name, type, undefined);
    const target = kindOf(column.type);
    const source = kindOf(type);
    // A type we cannot classify is left to the warehouse at publish rather than refused here.
    if (target && source && !takes(target, source)) throw new OutputTableMismatchError(table, name, type, column.type);
  }
}
