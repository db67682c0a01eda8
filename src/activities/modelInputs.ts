// A registered model's declared input columns (model.json: ONNX inputs, --inputs) must all be among
// the query's columns: checked in preparing from the compiled query, so a query that lacks one fails
// the run before anything is exported, instead of at the first batch after the whole export.
import { MissingInputColumnsError } from '../models/errors.js';
import type { ResolvedSpec } from '../spec/types.js';
import type { Warehouse } from '../adapters/warehouse/warehouse.js';

export async function checkModelInputs(spec: ResolvedSpec, inputs: readonly string[], warehouse: Warehouse): Promise<void> {
  // A function without declared inputs takes whatever the query gives (Python and JS models).
  if (!spec.model || !inputs.length || !warehouse.queryColumns) return;
  const columns = await warehouse.queryColumns(spec.renderedQuery, { useUtc: spec.useUtc, warehouse: spec.warehouse });
  // Case-insensitive, as the ONNX scorer binds them (Snowflake answers unquoted names in upper case).
  const have = new Set(columns.map((c) => c.toLowerCase()));
  const missing = inputs.filter((c) => !have.has(c.toLowerCase()));
  if (missing.length) throw new MissingInputColumnsError(`${spec.model.name}@${spec.model.version}`, missing, columns, spec.model.function);
}
