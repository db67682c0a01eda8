// List-valued predictions (embeddings): one array of numbers per row, from plain arrays, typed arrays
// or Arrow list vectors, flattened into one Float64Array with row offsets (float32 values stay exact
// in a double) and a validity bitmap for NULL rows.
import type { OutputColumn } from './normalizeOutput.js';
import { PredictorOutputError } from './errors.js';

type Row = ArrayLike<unknown> & { toArray?: () => ArrayLike<unknown> };

/** Whether a value is one row of a list column: an array, a typed array or an Arrow vector. */
export function isListValue(v: unknown): boolean {
  return (
    Array.isArray(v) ||
    (ArrayBuffer.isView(v) && !(v instanceof DataView)) ||
    (typeof v === 'object' && v !== null && typeof (v as Row).toArray === 'function')
  );
}

export function listColumn(predictor: string, name: string, input: ArrayLike<unknown>): OutputColumn {
  const n = input.length;
  const rows: (ArrayLike<unknown> | null)[] = new Array(n);
  const offsets = new Int32Array(n + 1);
  let validity: Uint8Array | null = null;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = input[i] as Row | null | undefined;
    if (v === null || v === undefined) {
      validity ??= new Uint8Array(Math.ceil(n / 8)).fill(0xff);
      validity[i >> 3] &= ~(1 << (i & 7));
      rows[i] = null;
    } else if (!isListValue(v)) {
      throw new PredictorOutputError(
        predictor,
        `column "${name}" mixes lists and ${typeof v} values at row ${i}; return one list of numbers per row`,
      );
    } else {
      rows[i] = typeof v.toArray === 'function' && !Array.isArray(v) && !ArrayBuffer.isView(v) ? v.toArray() : v;
      total += rows[i]!.length;
    }
    offsets[i + 1] = total;
  }
  const values = new Float64Array(total);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    if (!row) continue;
    const at = offsets[i];
    if (ArrayBuffer.isView(row) && !(row instanceof BigInt64Array) && !(row instanceof BigUint64Array)) {
      values.set(row as unknown as ArrayLike<number>, at);
      continue;
    }
    for (let j = 0; j < row.length; j++) {
      const x = row[j];
      if (typeof x !== 'number') {
        throw new PredictorOutputError(
          predictor,
          `column "${name}" row ${i} holds ${x === null ? 'null' : typeof x} at position ${j}; a list column holds numbers only`,
        );
      }
      values[at + j] = x;
    }
  }
  return { name, storage: 'LIST', kind: 'list', values, offsets, validity };
}

/** The row of a flat list position, to name it in an error. */
export function rowOfPosition(offsets: Int32Array, position: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid] <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
