// Turns what a predictor returned (an Arrow table or named columns) into typed columns the
// output writer can append, and checks the shape: one row per input row, required columns present.
import * as arrow from 'apache-arrow';
import { copyBits, type FixedArray } from '../scoring/duckdbVectors.js';
import type { ColumnKind } from '../spec/columnTypes.js';
import { NonFiniteOutputError, PredictorOutputError, type ChunkPlace } from './errors.js';
import { isListValue, listColumn, rowOfPosition } from './listOutput.js';
import type { PredictorOutput } from './types.js';

export type StorageType =
  | 'DOUBLE'
  | 'FLOAT'
  | 'TINYINT'
  | 'SMALLINT'
  | 'INTEGER'
  | 'BIGINT'
  | 'UTINYINT'
  | 'USMALLINT'
  | 'UINTEGER'
  | 'UBIGINT'
  | 'BOOLEAN'
  | 'DATE'
  | 'TIMESTAMP'
  | 'VARCHAR'
  /** A list of numbers per row: values flat, row i is values[offsets[i]..offsets[i+1]). */
  | 'LIST';

export interface OutputColumn {
  name: string;
  storage: StorageType;
  /** What the values mean, for checking them against outputTableDefinition. */
  kind: ColumnKind;
  /** Epoch milliseconds stored as DOUBLE, converted to TIMESTAMP when written. */
  epochMs?: boolean;
  values: FixedArray | unknown[];
  /** LIST columns: n + 1 offsets into values. */
  offsets?: Int32Array;
  /** Arrow-style validity bitmap (bit set = value present), or null when nothing is NULL. */
  validity: Uint8Array | null;
}

const TYPED: [new (...args: never[]) => FixedArray, StorageType, ColumnKind][] = [
  [Float64Array, 'DOUBLE', 'float'],
  [Float32Array, 'FLOAT', 'float'],
  [Int8Array, 'TINYINT', 'int'],
  [Int16Array, 'SMALLINT', 'int'],
  [Int32Array, 'INTEGER', 'int'],
  [BigInt64Array, 'BIGINT', 'int'],
  [Uint8Array, 'UTINYINT', 'int'],
  [Uint16Array, 'USMALLINT', 'int'],
  [Uint32Array, 'UINTEGER', 'int'],
  [BigUint64Array, 'UBIGINT', 'int'],
];

function typedInfo(values: FixedArray): [StorageType, ColumnKind] {
  for (const [ctor, storage, kind] of TYPED) if (values instanceof ctor) return [storage, kind];
  throw new Error('unsupported typed array');
}

/** Concatenates an Arrow vector's fixed-width buffers and validity into one typed array and bitmap. */
function gatherFixed(vector: arrow.Vector, make: (n: number) => FixedArray): [FixedArray, Uint8Array | null] {
  const first = vector.data[0];
  if (vector.data.length === 1 && first.offset === 0) {
    const values = (first.values as FixedArray).subarray(0, first.length) as FixedArray;
    return [values, first.nullCount > 0 ? first.nullBitmap : null];
  }
  const values = make(vector.length);
  const bitmap = vector.nullCount > 0 ? new Uint8Array(Math.ceil(vector.length / 8)).fill(0xff) : null;
  let at = 0;
  for (const data of vector.data) {
    (values as Float64Array).set((data.values as Float64Array).subarray(data.offset, data.offset + data.length), at);
    if (bitmap && data.nullCount > 0) copyBits(data.nullBitmap, data.offset, bitmap, at, data.length);
    at += data.length;
  }
  return [values, bitmap];
}

function fromArrow(predictor: string, name: string, vector: arrow.Vector): OutputColumn {
  const type = vector.type;
  if (arrow.DataType.isFloat(type) || arrow.DataType.isInt(type)) {
    const sample = vector.data[0].values as FixedArray;
    const ctor = sample.constructor as new (n: number) => FixedArray;
    const [values, validity] = gatherFixed(vector, (n) => new ctor(n));
    const [storage, kind] = typedInfo(values);
    return { name, storage, kind, values, validity };
  }
  if (arrow.DataType.isList(type) || arrow.DataType.isFixedSizeList(type))
    return listColumn(predictor, name, vector.toArray() as unknown[]);
  if (arrow.DataType.isDate(type) && type.unit === arrow.DateUnit.DAY) {
    const [values, validity] = gatherFixed(vector, (n) => new Int32Array(n));
    return { name, storage: 'DATE', kind: 'date', values, validity };
  }
  if (arrow.DataType.isTimestamp(type) && type.unit === arrow.TimeUnit.MICROSECOND) {
    const [values, validity] = gatherFixed(vector, (n) => new BigInt64Array(n));
    return { name, storage: 'TIMESTAMP', kind: 'timestamp', values, validity };
  }
  // Booleans, strings, other dates and anything else: through their JS values.
  return fromArray(predictor, name, vector.toArray() as unknown[]);
}

function fromArray(predictor: string, name: string, input: ArrayLike<unknown>): OutputColumn {
  if (ArrayBuffer.isView(input)) {
    const values = input as unknown as FixedArray;
    const [storage, kind] = typedInfo(values);
    return { name, storage, kind, values, validity: null };
  }
  const n = input.length;
  for (let i = 0; i < n; i++) {
    // One list of numbers per row (embeddings): its own column shape.
    if (input[i] !== null && input[i] !== undefined) {
      if (isListValue(input[i])) return listColumn(predictor, name, input);
      break;
    }
  }
  let firstType: string | undefined;
  let validity: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const v = input[i];
    if (v === null || v === undefined) {
      validity ??= new Uint8Array(Math.ceil(n / 8)).fill(0xff);
      validity[i >> 3] &= ~(1 << (i & 7));
      continue;
    }
    const t = v instanceof Date ? 'date' : typeof v;
    if (firstType === undefined) firstType = t;
    else if (t !== firstType) {
      throw new PredictorOutputError(
        predictor,
        `column "${name}" mixes ${firstType} and ${t} values at row ${i}; return one type per column`,
      );
    }
  }
  const valueAt = (i: number) => input[i];
  switch (firstType ?? 'number') {
    case 'number': {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = (valueAt(i) as number | null) ?? 0;
      return { name, storage: 'DOUBLE', kind: 'float', values, validity };
    }
    case 'bigint': {
      const values = new BigInt64Array(n);
      for (let i = 0; i < n; i++) values[i] = (valueAt(i) as bigint | null) ?? 0n;
      return { name, storage: 'BIGINT', kind: 'int', values, validity };
    }
    case 'boolean': {
      const values = new Uint8Array(n);
      for (let i = 0; i < n; i++) values[i] = valueAt(i) ? 1 : 0;
      return { name, storage: 'BOOLEAN', kind: 'bool', values, validity };
    }
    case 'string': {
      const values = Array.from({ length: n }, (_, i) => (valueAt(i) as string | undefined) ?? null);
      return { name, storage: 'VARCHAR', kind: 'string', values, validity: null };
    }
    case 'date': {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = (valueAt(i) as Date | null)?.getTime() ?? 0;
      return { name, storage: 'DOUBLE', kind: 'timestamp', epochMs: true, values, validity };
    }
    default:
      throw new PredictorOutputError(
        predictor,
        `column "${name}" holds ${firstType} values; return numbers, bigints, booleans, strings or Dates`,
      );
  }
}

function isArrowTable(output: PredictorOutput): output is arrow.Table {
  return output instanceof arrow.Table;
}

/** Refuse NaN and ±Infinity (the spec's allowNonFinite is false): where the batch is, to name the row. */
export interface FiniteCheck {
  place: ChunkPlace;
  /** The batch's first row as a position in the chunk. */
  firstRow: number;
}

/** Throws NonFiniteOutputError at the first NaN or ±Infinity of a float column (NULL rows are skipped). */
function checkFinite(predictor: string, columns: OutputColumn[], check: FiniteCheck): void {
  for (const column of columns) {
    if (column.storage === 'LIST') {
      const values = column.values as Float64Array;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v - v !== 0)
          throw new NonFiniteOutputError(check.place, predictor, column.name, check.firstRow + rowOfPosition(column.offsets!, i), v);
      }
      continue;
    }
    if (column.storage !== 'DOUBLE' && column.storage !== 'FLOAT') continue;
    const values = column.values as Float64Array | Float32Array;
    const validity = column.validity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // v - v is 0 for finite numbers and NaN for NaN and ±Infinity: one comparison per value.
      if (v - v !== 0 && (!validity || (validity[i >> 3] & (1 << (i & 7))) !== 0)) {
        throw new NonFiniteOutputError(check.place, predictor, column.name, check.firstRow + i, v);
      }
    }
  }
}

/**
 * An Arrow vector's length is what it says, not what its buffers hold: a crafted answer can say n rows
 * over a shorter buffer, which a writer reading n values would read past (into the next column's bytes).
 */
function checkBuffers(predictor: string, column: OutputColumn, n: number): void {
  const short = (what: string, has: number, needs: number) =>
    new PredictorOutputError(
      predictor,
      `column "${column.name}" says ${n} rows but its ${what} holds ${has} (needs ${needs}); return whole arrays`,
    );
  if (column.validity && column.validity.byteLength < Math.ceil(n / 8))
    throw short('validity bitmap', column.validity.byteLength, Math.ceil(n / 8));
  // A list column's offsets and values are built here from its rows; only Arrow's own buffers can be short.
  if (column.storage !== 'LIST' && column.values.length < n) throw short('values', column.values.length, n);
}

/**
 * Normalizes one batch of predictor output. `required` lists the outputTableDefinition column names
 * (matched case-insensitively); when given, only those columns are kept, in that order. With
 * `finite`, a NaN or ±Infinity prediction fails the batch.
 */
export function normalizeOutput(
  predictor: string,
  output: PredictorOutput,
  inputRows: number,
  required?: readonly string[],
  finite?: FiniteCheck,
): OutputColumn[] {
  if (output === null || typeof output !== 'object') {
    throw new PredictorOutputError(
      predictor,
      `expected an Arrow table or an object of columns, got ${output === null ? 'null' : typeof output}`,
    );
  }
  const entries: [string, arrow.Vector | ArrayLike<unknown>][] = isArrowTable(output)
    ? output.schema.fields.map((f, i) => [f.name, output.getChildAt(i) as arrow.Vector])
    : Object.entries(output);
  if (entries.length === 0) throw new PredictorOutputError(predictor, 'returned no columns');

  const byName = new Map(entries.map(([name, values]) => [name.toLowerCase(), [name, values] as const]));
  const wanted = required ?? entries.map(([name]) => name);
  // A table's column names ignore case: two returned columns that would both be written as one name
  // would be one column (both got the last one's values).
  for (const name of wanted) {
    const same = entries.filter(([returned]) => returned.toLowerCase() === name.toLowerCase()).map(([returned]) => `"${returned}"`);
    if (same.length > 1)
      throw new PredictorOutputError(
        predictor,
        `returned ${same.length} columns named ${same.join(' and ')} (ignoring case): a table has one; rename or drop the others`,
      );
  }
  const missing = wanted.filter((name) => !byName.has(name.toLowerCase()));
  if (missing.length) {
    throw new PredictorOutputError(
      predictor,
      `missing column(s) ${missing.map((m) => `"${m}"`).join(', ')} required by outputTableDefinition (returned: ${entries.map(([n]) => n).join(', ')})`,
    );
  }
  const columns = wanted.map((name) => {
    const [, values] = byName.get(name.toLowerCase())!;
    if (values === null || typeof values !== 'object' || typeof (values as ArrayLike<unknown>).length !== 'number') {
      throw new PredictorOutputError(predictor, `column "${name}" is not an array, typed array or Arrow vector`);
    }
    const length = (values as ArrayLike<unknown>).length;
    if (length !== inputRows) {
      throw new PredictorOutputError(
        predictor,
        `column "${name}" has ${length} rows for ${inputRows} input rows; return exactly one row per input row`,
      );
    }
    const column =
      values instanceof arrow.Vector ? fromArrow(predictor, name, values) : fromArray(predictor, name, values as ArrayLike<unknown>);
    checkBuffers(predictor, column, inputRows);
    return column;
  });
  if (finite) checkFinite(predictor, columns, finite);
  return columns;
}
