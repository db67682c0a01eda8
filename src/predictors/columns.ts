// Helpers for writing predictors over Arrow columns without boxing each value.
import type * as arrow from 'apache-arrow';

/** A numeric column as Float64Array with NULLs replaced by `fill` (SQL's coalesce(column, fill)). */
export function numericColumn(table: arrow.Table, name: string, fill = 0): Float64Array {
  const vector = table.getChild(name);
  if (!vector) throw new Error(`input has no column "${name}" (columns: ${table.schema.fields.map((f) => f.name).join(', ')})`);
  const out = new Float64Array(table.numRows);
  let at = 0;
  for (const data of vector.data) {
    const values = data.values as ArrayLike<number | bigint>;
    const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
    for (let i = 0; i < data.length; i++) {
      const j = data.offset + i;
      out[at + i] = bitmap && (bitmap[j >> 3] & (1 << (j & 7))) === 0 ? fill : Number(values[j]);
    }
    at += data.length;
  }
  return out;
}
