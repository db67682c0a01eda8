// A record batch as the predictor sees it. With includeInputColumns the chunk is read with row keys
// (to join the input columns back to the predictions in the output file): the predictor gets the
// input columns only, and the keys ride along with its output.
import type * as arrow from 'apache-arrow';
import { normalizeOutput, type OutputColumn } from '../predictors/normalizeOutput.js';

export interface PredictorInput {
  /** What the predictor is called with. */
  features: arrow.Table;
  /** The batch's column names without the keys. */
  inputColumns: string[];
  /** The keys as output columns, to append after the predictions; none without keys. */
  keyColumns: OutputColumn[];
}

export function predictorInput(table: arrow.Table, predictor: string, keys: string[]): PredictorInput {
  const inputColumns = table.schema.fields.map((f) => f.name).filter((n) => !keys.includes(n));
  if (!keys.length) return { features: table, inputColumns, keyColumns: [] };
  const keyColumns = normalizeOutput(predictor, Object.fromEntries(keys.map((k) => [k, table.getChild(k)!])), table.numRows);
  return { features: table.select(inputColumns), inputColumns, keyColumns };
}
