// A batch's columns as the plain parquet writer stores them: each column's parquet type (what DuckDB
// reads it as: the types OutputWriter's table gives) and its non-NULL values in PLAIN encoding. A
// value is written from its typed array as it is where the bytes already are PLAIN (doubles, 32- and
// 64-bit integers with no NULL); otherwise into a scratch buffer the writer reuses.
import * as arrow from 'apache-arrow';
import type { OutputColumn, StorageType } from '../../predictors/normalizeOutput.js';
import { getBit } from '../duckdbVectors.js';
import type { ThriftStruct } from './thrift.js';

/** Parquet physical types (parquet.thrift's Type). */
const BOOLEAN = 0;
const INT32 = 1;
const INT64 = 2;
const FLOAT = 4;
const DOUBLE = 5;
const BYTE_ARRAY = 6;

export interface ColumnType {
  physical: number;
  /** ConvertedType, for readers older than logical types. */
  converted?: number;
  /** The LogicalType union's field. */
  logical?: ThriftStruct;
}

const int = (bits: number, signed: boolean, converted: number): ColumnType => ({
  physical: bits === 64 ? INT64 : INT32,
  converted,
  logical: [
    [
      10,
      {
        struct: [
          [1, { i8: bits }],
          [2, { bool: signed }],
        ],
      },
    ],
  ],
});

/** Storage types this writer stores (a list of numbers is left to parquet-wasm). */
export const COLUMN_TYPES: Record<Exclude<StorageType, 'LIST'>, ColumnType> = {
  DOUBLE: { physical: DOUBLE },
  FLOAT: { physical: FLOAT },
  TINYINT: int(8, true, 15),
  SMALLINT: int(16, true, 16),
  INTEGER: int(32, true, 17),
  BIGINT: int(64, true, 18),
  UTINYINT: int(8, false, 11),
  USMALLINT: int(16, false, 12),
  UINTEGER: int(32, false, 13),
  UBIGINT: int(64, false, 14),
  BOOLEAN: { physical: BOOLEAN },
  DATE: { physical: INT32, converted: 6, logical: [[6, { struct: [] }]] },
  // Not adjusted to UTC: DuckDB's TIMESTAMP (no converted type: TIMESTAMP_MICROS would mean adjusted).
  TIMESTAMP: {
    physical: INT64,
    logical: [
      [
        8,
        {
          struct: [
            [1, { bool: false }],
            [2, { struct: [[2, { struct: [] }]] }],
          ],
        },
      ],
    ],
  },
  VARCHAR: { physical: BYTE_ARRAY, converted: 0, logical: [[1, { struct: [] }]] },
};

/** The storage type of an input column the parquet-wasm reader gave (parquetReader.ts's sameAsDuckDB types). */
export function storageOfArrow(type: arrow.DataType): Exclude<StorageType, 'LIST'> | undefined {
  if (arrow.DataType.isInt(type)) {
    const names = {
      8: ['TINYINT', 'UTINYINT'],
      16: ['SMALLINT', 'USMALLINT'],
      32: ['INTEGER', 'UINTEGER'],
      64: ['BIGINT', 'UBIGINT'],
    } as const;
    return names[type.bitWidth][type.isSigned ? 0 : 1];
  }
  if (arrow.DataType.isFloat(type))
    return type.precision === arrow.Precision.DOUBLE ? 'DOUBLE' : type.precision === arrow.Precision.SINGLE ? 'FLOAT' : undefined;
  if (arrow.DataType.isBool(type)) return 'BOOLEAN';
  if (arrow.DataType.isUtf8(type)) return 'VARCHAR';
  if (arrow.DataType.isDate(type)) return type.unit === arrow.DateUnit.DAY ? 'DATE' : undefined;
  if (arrow.DataType.isTimestamp(type)) return type.unit === arrow.TimeUnit.MICROSECOND && !type.timezone ? 'TIMESTAMP' : undefined;
  return undefined;
}

type Fixed = Exclude<OutputColumn['values'], unknown[]>;

/**
 * One column of one batch, as its source holds it: values for every row (the ones under a NULL are
 * not written), an Arrow validity bitmap from bit 0 (or null: no NULL).
 */
export type ColumnValues =
  | { form: 'fixed'; values: Fixed; validity: Uint8Array | null }
  /** Booleans one byte per row (a predictor's) or one bit per row from bit 0 (Arrow's). */
  | { form: 'bytes' | 'bits'; values: Uint8Array; validity: Uint8Array | null }
  /** Epoch milliseconds, written as TIMESTAMP microseconds. */
  | { form: 'epochMs'; values: Float64Array; validity: Uint8Array | null }
  /** A predictor's strings: NULL where null or undefined. */
  | { form: 'strings'; values: unknown[] }
  /** Arrow's Utf8: offsets into UTF-8 bytes. */
  | { form: 'utf8'; offsets: Int32Array; bytes: Uint8Array; validity: Uint8Array | null };

export function outputValues(column: OutputColumn): ColumnValues {
  if (column.storage === 'VARCHAR') return { form: 'strings', values: column.values as unknown[] };
  if (column.epochMs) return { form: 'epochMs', values: column.values as Float64Array, validity: column.validity };
  if (column.storage === 'BOOLEAN') return { form: 'bytes', values: column.values as Uint8Array, validity: column.validity };
  return { form: 'fixed', values: column.values as Fixed, validity: column.validity };
}

/** An input column's values, or undefined when its Arrow layout is not one this writer reads (several chunks, an offset). */
export function arrowValues(vector: arrow.Vector): ColumnValues | undefined {
  if (vector.data.length !== 1 || vector.data[0].offset !== 0) return undefined;
  const data = vector.data[0];
  const validity = data.nullCount > 0 ? data.nullBitmap! : null;
  if (arrow.DataType.isBool(data.type)) return { form: 'bits', values: data.values as Uint8Array, validity };
  if (arrow.DataType.isUtf8(data.type))
    return { form: 'utf8', offsets: data.valueOffsets as Int32Array, bytes: data.values as Uint8Array, validity };
  return { form: 'fixed', values: data.values as Fixed, validity };
}

/**
 * Throws unless the column holds n rows: the PLAIN bytes are read from its buffers, so a short one
 * would put whatever follows it in memory into the file (normalizeOutput refuses such an answer first).
 */
export function checkRows(name: string, source: ColumnValues, n: number): void {
  const validity = 'validity' in source ? source.validity : null;
  const holds =
    source.form === 'utf8'
      ? source.offsets.length > n && source.bytes.length >= source.offsets[n]
      : source.form === 'bits'
        ? source.values.length >= Math.ceil(n / 8)
        : source.values.length >= n;
  if (!holds || (validity && validity.length < Math.ceil(n / 8)))
    throw new Error(`PlainParquetWriter: column "${name}" does not hold the batch's ${n} rows`);
}

/** Set bits among the first n of a bitmap. */
export function countSet(bitmap: Uint8Array, n: number): number {
  let count = 0;
  const whole = n >> 3;
  for (let b = 0; b < whole; b++) {
    let v = bitmap[b];
    v = v - ((v >> 1) & 0x55);
    v = (v & 0x33) + ((v >> 2) & 0x33);
    count += (v + (v >> 4)) & 0x0f;
  }
  for (let i = whole * 8; i < n; i++) if (getBit(bitmap, i)) count++;
  return count;
}

/** A buffer grown as needed and reused from column to column (its bytes are copied into the column's pages before the next use). */
export class Scratch {
  private buffer = new ArrayBuffer(1 << 16);

  bytes(length: number): Uint8Array {
    if (length > this.buffer.byteLength) this.buffer = new ArrayBuffer(Math.ceil(length * 1.25));
    return new Uint8Array(this.buffer, 0, length);
  }
}

const bytesOf = (a: ArrayBufferView, length = a.byteLength) => new Uint8Array(a.buffer, a.byteOffset, length);

/**
 * The PLAIN bytes of the first `n` rows' non-NULL values (`present` of them) of a column of
 * `storage`. A view of the source's own buffer, or of `scratch`: copied before `scratch` is used again.
 */
export function plainValues(
  source: ColumnValues,
  storage: Exclude<StorageType, 'LIST'>,
  n: number,
  present: number,
  scratch: Scratch,
): Uint8Array {
  const validity = 'validity' in source ? source.validity : null;
  switch (source.form) {
    case 'fixed': {
      const values = source.values;
      const width = COLUMN_TYPES[storage].physical === INT32 || storage === 'FLOAT' ? 4 : 8;
      // Bytes already as PLAIN stores them: 4-byte or 8-byte little-endian values, nothing to leave out.
      if (values.BYTES_PER_ELEMENT === width && !validity) return bytesOf(values, n * width);
      const out = scratch.bytes(present * width);
      if (values.BYTES_PER_ELEMENT === width) {
        // Copied as 32-bit words: bit patterns unchanged (a double's NaN payload, a bigint without a BigInt per value).
        const words = width / 4;
        const from = new Int32Array(values.buffer, values.byteOffset, n * words);
        const to = new Int32Array(out.buffer, out.byteOffset, present * words);
        let j = 0;
        for (let i = 0; i < n; i++) {
          if (!getBit(validity!, i)) continue;
          for (let w = 0; w < words; w++) to[j++] = from[i * words + w];
        }
        return out;
      }
      // 8- and 16-bit integers widened to INT32.
      const to = new Int32Array(out.buffer, out.byteOffset, present);
      let j = 0;
      for (let i = 0; i < n; i++) if (!validity || getBit(validity, i)) to[j++] = Number(values[i]);
      return out;
    }
    case 'epochMs': {
      // As OutputWriter's epoch_ms(CAST(ms AS BIGINT)): milliseconds rounded, then microseconds.
      const out = scratch.bytes(present * 8);
      const to = new BigInt64Array(out.buffer, out.byteOffset, present);
      let j = 0;
      for (let i = 0; i < n; i++) if (!validity || getBit(validity, i)) to[j++] = BigInt(Math.round(source.values[i])) * 1000n;
      return out;
    }
    case 'bits':
    case 'bytes': {
      const out = scratch.bytes(Math.ceil(present / 8)).fill(0);
      const bit = source.form === 'bits' ? (i: number) => getBit(source.values, i) : (i: number) => (source.values[i] ? 1 : 0);
      let j = 0;
      for (let i = 0; i < n; i++) {
        if (validity && !getBit(validity, i)) continue;
        if (bit(i)) out[j >> 3] |= 1 << (j & 7);
        j++;
      }
      return out;
    }
    case 'utf8': {
      const { offsets, bytes } = source;
      const size = offsets[n] - offsets[0] + 4 * n; // at most: NULLs' bytes are usually none
      const out = scratch.bytes(size);
      const view = new DataView(out.buffer, out.byteOffset, size);
      let at = 0;
      for (let i = 0; i < n; i++) {
        if (validity && !getBit(validity, i)) continue;
        const length = offsets[i + 1] - offsets[i];
        view.setUint32(at, length, true);
        out.set(bytes.subarray(offsets[i], offsets[i + 1]), at + 4);
        at += 4 + length;
      }
      return out.subarray(0, at);
    }
    case 'strings': {
      let size = 0;
      for (let i = 0; i < n; i++) {
        const v = source.values[i];
        if (v !== null && v !== undefined) size += 4 + Buffer.byteLength(v as string, 'utf8');
      }
      const out = Buffer.from(scratch.bytes(size).buffer, 0, size);
      let at = 0;
      for (let i = 0; i < n; i++) {
        const v = source.values[i];
        if (v === null || v === undefined) continue;
        const length = out.write(v as string, at + 4, 'utf8');
        out.writeUInt32LE(length, at);
        at += 4 + length;
      }
      return out.subarray(0, at);
    }
  }
}

/**
 * A column's validity for the first n rows: a bitmap (or null: no NULL), and how many values are
 * present. A predictor's strings get theirs in `scratch` (not the one their values then go to).
 */
export function presence(source: ColumnValues, n: number, scratch: Scratch): { validity: Uint8Array | null; present: number } {
  if (source.form !== 'strings') {
    if (!source.validity) return { validity: null, present: n };
    const present = countSet(source.validity, n);
    return present === n ? { validity: null, present } : { validity: source.validity, present };
  }
  let present = 0;
  for (let i = 0; i < n; i++) if (source.values[i] !== null && source.values[i] !== undefined) present++;
  if (present === n) return { validity: null, present };
  const validity = scratch.bytes(Math.ceil(n / 8)).fill(0);
  for (let i = 0; i < n; i++) if (source.values[i] !== null && source.values[i] !== undefined) validity[i >> 3] |= 1 << (i & 7);
  return { validity, present };
}
