// The seed's example model: score = round(0.7·coalesce(feature_1,0) + 0.3·coalesce(feature_2,0), 6),
// label = score ≥ 0.5. `id` passes through untouched.
import type * as arrow from 'apache-arrow';
import { numericColumn } from './columns.js';
import type { PredictorOutput } from './types.js';

/** Rounds half away from zero, as SQL's round(x, 6) does. */
function round6(x: number): number {
  return (Math.sign(x) * Math.round(Math.abs(x) * 1e6)) / 1e6;
}

export function linearDemo(input: arrow.Table): PredictorOutput {
  const f1 = numericColumn(input, 'feature_1');
  const f2 = numericColumn(input, 'feature_2');
  const n = input.numRows;
  const score = new Float64Array(n);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = round6(f1[i] * 0.7 + f2[i] * 0.3);
    score[i] = s;
    label[i] = s >= 0.5 ? 1 : 0;
  }
  const id = input.getChild('id');
  if (!id) throw new Error('linear-demo needs an "id" column');
  return { id, score, label };
}
