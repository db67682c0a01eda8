// Zero-copy access to fixed-width DuckDB vectors. @duckdb/node-api keeps a vector's values in a typed
// array (`items`) and its validity in a BigUint64Array (`validity.data`, null when all rows are valid).
// Those fields are not in its public typings, so this file is the one place that reaches for them.
import duckdb from '@duckdb/node-bindings';
import { DuckDBTypeId, type DuckDBVector } from '@duckdb/node-api';

export type FixedArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

interface VectorInternals {
  items?: FixedArray;
  /** VARCHAR vectors: DuckDB's 16-byte string records (length, then inline bytes or a pointer). */
  dataView?: DataView;
  validity?: { data: BigUint64Array | null; offset: number };
  flush(): void;
}

export function fixedItems(vector: DuckDBVector): FixedArray | undefined {
  const internals = vector as unknown as VectorInternals;
  if (ArrayBuffer.isView(internals.items)) return internals.items;
  // BOOLEAN vectors keep their one-byte values behind a DataView instead.
  if (vector.type.typeId === DuckDBTypeId.BOOLEAN && internals.dataView) {
    const view = internals.dataView;
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  }
  return undefined;
}

/** The validity mask as bytes in Arrow's bit order (bit i of byte i>>3 = row i valid), or null if all valid. */
export function validityBytes(vector: DuckDBVector): Uint8Array | null {
  const validity = (vector as unknown as VectorInternals).validity;
  if (!validity?.data || validity.offset !== 0) return null;
  return new Uint8Array(validity.data.buffer, validity.data.byteOffset, validity.data.byteLength);
}

/** Overwrites a vector's validity with an Arrow-style bitmap starting at bit `offset`, for `count` rows. */
export function setValidity(vector: DuckDBVector, bitmap: Uint8Array, offset: number, count: number): void {
  const validity = (vector as unknown as VectorInternals).validity;
  if (!validity) throw new Error('vector has no validity');
  const words = new BigUint64Array(Math.ceil(count / 64));
  const bytes = new Uint8Array(words.buffer);
  copyBits(bitmap, offset, bytes, 0, count);
  validity.data = words;
  validity.offset = 0;
}

/** One byte per value (0 false, else true) as an Arrow bitmap (bit i of byte i>>3 = value i). */
export function packBits(bytes: Uint8Array): Uint8Array {
  const bits = new Uint8Array(Math.ceil(bytes.length / 8));
  for (let i = 0; i < bytes.length; i++) if (bytes[i]) bits[i >> 3] |= 1 << (i & 7);
  return bits;
}

/** Copies `count` bits from src (starting at bit srcOffset) into dst (starting at bit dstOffset). */
export function copyBits(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, count: number): void {
  if (srcOffset % 8 === 0 && dstOffset % 8 === 0) {
    const whole = count >> 3;
    dst.set(src.subarray(srcOffset >> 3, (srcOffset >> 3) + whole), dstOffset >> 3);
    for (let i = whole * 8; i < count; i++) setBit(dst, dstOffset + i, getBit(src, srcOffset + i));
    return;
  }
  for (let i = 0; i < count; i++) setBit(dst, dstOffset + i, getBit(src, srcOffset + i));
}

export function getBit(bytes: Uint8Array, bit: number): boolean {
  return (bytes[bit >> 3] & (1 << (bit & 7))) !== 0;
}

function setBit(bytes: Uint8Array, bit: number, on: boolean): void {
  if (on) bytes[bit >> 3] |= 1 << (bit & 7);
  else bytes[bit >> 3] &= ~(1 << (bit & 7));
}

/**
 * Appends a VARCHAR vector's strings as UTF-8 bytes, without making JS strings: strings of up to 12
 * bytes are stored inline in DuckDB's 16-byte records; longer ones are read through their pointer.
 */
export function appendUtf8(vector: DuckDBVector, rows: number, sink: (bytes: Uint8Array | null) => void): void {
  const view = (vector as unknown as VectorInternals).dataView;
  if (!view) throw new Error('VARCHAR vector has no data view');
  const valid = validityBytes(vector);
  for (let i = 0; i < rows; i++) {
    if (valid && (valid[i >> 3] & (1 << (i & 7))) === 0) {
      sink(null);
      continue;
    }
    const at = i * 16;
    const length = view.getUint32(at, true);
    sink(
      length <= 12
        ? new Uint8Array(view.buffer, view.byteOffset + at + 4, length)
        : duckdb.get_data_from_pointer(view.buffer as ArrayBuffer, view.byteOffset + at + 8, length),
    );
  }
}
