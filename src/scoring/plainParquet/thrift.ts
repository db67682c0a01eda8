// The Thrift compact protocol, as far as a parquet footer and page headers need it: structs of i32,
// i64, bool, string, struct and list fields. A field is written as [name, type, value]; fields must
// come in increasing id order (the protocol writes id deltas).
// Spec: https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md

const TYPE = { true: 1, false: 2, i8: 3, i32: 5, i64: 6, binary: 8, list: 9, struct: 12 } as const;

export type ThriftValue =
  | { i32: number }
  | { i64: number }
  | { i8: number }
  | { bool: boolean }
  | { string: string }
  | { struct: ThriftStruct }
  | { list: { i32: number[] } | { string: string[] } | { struct: ThriftStruct[] } };

/** Fields by id; undefined values are left out (optional fields). */
export type ThriftStruct = [id: number, value: ThriftValue | undefined][];

export class ThriftWriter {
  private bytes = new Uint8Array(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  private byte(b: number): void {
    this.reserve(1);
    this.bytes[this.length++] = b;
  }

  /** Unsigned varint (ULEB128) of a non-negative integer up to 2^53. */
  varint(n: number): void {
    this.reserve(10);
    while (n >= 0x80) {
      this.bytes[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.bytes[this.length++] = n;
  }

  /** Zigzag varint: small magnitudes, either sign, in few bytes. */
  private zigzag(n: number): void {
    // Doubled below: within 2^52 it stays exact (file offsets and row counts are far below).
    if (!Number.isInteger(n) || Math.abs(n) >= 2 ** 52) throw new RangeError(`thrift: ${n} is not an integer within 2^52`);
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  private binary(s: string): void {
    const encoded = new TextEncoder().encode(s);
    this.varint(encoded.length);
    this.reserve(encoded.length);
    this.bytes.set(encoded, this.length);
    this.length += encoded.length;
  }

  private typeOf(value: ThriftValue): number {
    if ('i32' in value) return TYPE.i32;
    if ('i64' in value) return TYPE.i64;
    if ('i8' in value) return TYPE.i8;
    if ('bool' in value) return value.bool ? TYPE.true : TYPE.false;
    if ('string' in value) return TYPE.binary;
    if ('struct' in value) return TYPE.struct;
    return TYPE.list;
  }

  struct(fields: ThriftStruct): this {
    let last = 0;
    for (const [id, value] of fields) {
      if (value === undefined) continue;
      if (id <= last) throw new Error(`thrift: field ${id} after ${last}`);
      const type = this.typeOf(value);
      if (id - last <= 15) this.byte(((id - last) << 4) | type);
      else {
        this.byte(type);
        this.zigzag(id);
      }
      last = id;
      if (!('bool' in value)) this.value(value); // a bool field's value is its type
    }
    this.byte(0); // stop
    return this;
  }

  private value(value: ThriftValue): void {
    if ('i32' in value) this.zigzag(value.i32);
    else if ('i64' in value) this.zigzag(value.i64);
    else if ('i8' in value) this.byte(value.i8 & 0xff);
    else if ('string' in value) this.binary(value.string);
    else if ('struct' in value) this.struct(value.struct);
    else if ('list' in value) {
      const list = value.list;
      const [type, items]: [number, unknown[]] =
        'i32' in list ? [TYPE.i32, list.i32] : 'string' in list ? [TYPE.binary, list.string] : [TYPE.struct, list.struct];
      if (items.length < 15) this.byte((items.length << 4) | type);
      else {
        this.byte(0xf0 | type);
        this.varint(items.length);
      }
      for (const item of items) {
        if (type === TYPE.i32) this.zigzag(item as number);
        else if (type === TYPE.binary) this.binary(item as string);
        else this.struct(item as ThriftStruct);
      }
    }
  }

  /** What was written (a view, valid until the next write). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  reset(): this {
    this.length = 0;
    return this;
  }
}
