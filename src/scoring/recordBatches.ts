// Streams staged parquet through the worker's DuckDB and yields Arrow tables ("record batches").
// Fixed-width columns are copied straight from DuckDB's buffers; nothing is boxed per value
// except strings.
import { DuckDBDecimalType, DuckDBTypeId, type DuckDBConnection, type DuckDBDataChunk, type DuckDBType } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { quoteIdentifier } from '../spec/identifiers.js';
import { decimalExpression } from './decimalColumns.js';
import { tableOf } from './tableOf.js';
import { appendUtf8, copyBits, fixedItems, packBits, validityBytes, type FixedArray } from './duckdbVectors.js';

type FixedCtor = { new (n: number): FixedArray };

const DUCKDB_VECTOR_ROWS = 2048;
const ALL_VALID = new Uint8Array(DUCKDB_VECTOR_ROWS / 8).fill(0xff);

interface FixedSpec {
  ctor: FixedCtor;
  arrow: () => arrow.DataType;
}

const FIXED: Partial<Record<DuckDBTypeId, FixedSpec>> = {
  [DuckDBTypeId.TINYINT]: { ctor: Int8Array, arrow: () => new arrow.Int8() },
  [DuckDBTypeId.SMALLINT]: { ctor: Int16Array, arrow: () => new arrow.Int16() },
  [DuckDBTypeId.INTEGER]: { ctor: Int32Array, arrow: () => new arrow.Int32() },
  [DuckDBTypeId.BIGINT]: { ctor: BigInt64Array, arrow: () => new arrow.Int64() },
  [DuckDBTypeId.UTINYINT]: { ctor: Uint8Array, arrow: () => new arrow.Uint8() },
  [DuckDBTypeId.USMALLINT]: { ctor: Uint16Array, arrow: () => new arrow.Uint16() },
  [DuckDBTypeId.UINTEGER]: { ctor: Uint32Array, arrow: () => new arrow.Uint32() },
  [DuckDBTypeId.UBIGINT]: { ctor: BigUint64Array, arrow: () => new arrow.Uint64() },
  [DuckDBTypeId.FLOAT]: { ctor: Float32Array, arrow: () => new arrow.Float32() },
  [DuckDBTypeId.DOUBLE]: { ctor: Float64Array, arrow: () => new arrow.Float64() },
  [DuckDBTypeId.DATE]: { ctor: Int32Array, arrow: () => new arrow.DateDay() },
  [DuckDBTypeId.TIMESTAMP]: { ctor: BigInt64Array, arrow: () => new arrow.TimestampMicrosecond() },
  // Booleans are one byte per row in DuckDB; packed into Arrow bits when the batch is built.
  [DuckDBTypeId.BOOLEAN]: { ctor: Uint8Array, arrow: () => new arrow.Bool() },
};

/** How a staged column is read: as is, or cast by DuckDB into a type the fast path handles. */
function selectExpression(name: string, type: DuckDBType): string {
  const col = quoteIdentifier(name);
  const typeId = type.typeId;
  if (FIXED[typeId] || typeId === DuckDBTypeId.VARCHAR) return col;
  if (type instanceof DuckDBDecimalType) return decimalExpression(name, type.width, type.scale);
  switch (typeId) {
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return `CAST(${col} AS DOUBLE) AS ${col}`;
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return `CAST(${col} AS TIMESTAMP) AS ${col}`;
    default:
      return `CAST(${col} AS VARCHAR) AS ${col}`;
  }
}

abstract class ColumnBuilder {
  constructor(
    readonly name: string,
    protected capacity: number,
  ) {}
  abstract append(chunk: DuckDBDataChunk, column: number, at: number, rows: number): void;
  abstract finish(length: number): arrow.Vector;
  /** Starts the next batch in the same buffers: allocating them per batch kept the GC busy. */
  abstract reset(): void;
}

/** A validity bitmap allocated once per builder and marked all-valid when a batch first needs it. */
class Bitmap {
  private bytes: Uint8Array | null = null;
  private active = false;
  constructor(private readonly capacity: number) {}
  get current(): Uint8Array | null {
    return this.active ? this.bytes : null;
  }
  activate(): Uint8Array {
    if (!this.active) {
      this.bytes ??= new Uint8Array(Math.ceil(this.capacity / 8));
      this.bytes.fill(0xff);
      this.active = true;
    }
    return this.bytes!;
  }
  reset(): void {
    this.active = false;
  }
}

class FixedBuilder extends ColumnBuilder {
  private values: FixedArray;
  private readonly bitmap: Bitmap;
  constructor(
    name: string,
    capacity: number,
    private spec: FixedSpec,
  ) {
    super(name, capacity);
    this.values = new spec.ctor(capacity);
    this.bitmap = new Bitmap(capacity);
  }
  reset(): void {
    this.bitmap.reset();
  }
  append(chunk: DuckDBDataChunk, column: number, at: number, rows: number): void {
    const vector = chunk.getColumnVector(column);
    const items = fixedItems(vector);
    if (!items) throw new Error(`column ${this.name}: DuckDB vector has no typed buffer`);
    (this.values as Float64Array).set(items.subarray(0, rows) as Float64Array, at);
    // Rows before the first NULL of a batch are already marked valid by activate().
    const valid = validityBytes(vector);
    if (valid) copyBits(valid, 0, this.bitmap.activate(), at, rows);
    else if (this.bitmap.current) copyBits(ALL_VALID, 0, this.bitmap.current, at, rows);
  }
  finish(length: number): arrow.Vector {
    const type = this.spec.arrow();
    let data: FixedArray = this.values.subarray(0, length);
    if (type instanceof arrow.Bool) data = packBits(data as Uint8Array);
    return arrow.makeVector(
      arrow.makeData({ type, length, data, nullBitmap: this.bitmap.current?.subarray(0, Math.ceil(length / 8)) } as never),
    );
  }
}

/** Builds an Arrow Utf8 column from DuckDB's string bytes; strings are decoded only if a predictor reads them. */
class Utf8Builder extends ColumnBuilder {
  private offsets: Int32Array;
  private bytes = new Uint8Array(64 * 1024);
  private readonly bitmap: Bitmap;
  private row = 0;
  constructor(name: string, capacity: number) {
    super(name, capacity);
    this.offsets = new Int32Array(capacity + 1);
    this.bitmap = new Bitmap(capacity);
  }
  reset(): void {
    this.row = 0;
    this.bitmap.reset();
  }
  private readonly push = (value: Uint8Array | null) => {
    const start = this.offsets[this.row];
    if (value === null) {
      const bitmap = this.bitmap.activate();
      bitmap[this.row >> 3] &= ~(1 << (this.row & 7));
    } else {
      if (start + value.length > this.bytes.length) {
        const grown = new Uint8Array(Math.max(this.bytes.length * 2, start + value.length));
        grown.set(this.bytes.subarray(0, start));
        this.bytes = grown;
      }
      this.bytes.set(value, start);
    }
    this.offsets[++this.row] = start + (value?.length ?? 0);
  };
  append(chunk: DuckDBDataChunk, column: number, _at: number, rows: number): void {
    appendUtf8(chunk.getColumnVector(column), rows, this.push);
  }
  finish(length: number): arrow.Vector {
    return arrow.makeVector(
      arrow.makeData({
        type: new arrow.Utf8(),
        length,
        valueOffsets: this.offsets.subarray(0, length + 1),
        data: this.bytes.subarray(0, this.offsets[length]),
        nullBitmap: this.bitmap.current?.subarray(0, Math.ceil(length / 8)),
      } as never),
    );
  }
}

/**
 * Yields the rows of `fromSql` (e.g. a read_parquet call) as Arrow tables of at most `batchRows` rows
 * (or 2048, DuckDB's vector size, when batchRows is smaller). A table's buffers are reused for the
 * next one: use (or copy) a batch before asking for the next, as the scoring loop does.
 * An empty source yields one empty table so that predictors still define the output schema.
 */
export async function* readRecordBatches(conn: DuckDBConnection, fromSql: string, batchRows: number): AsyncGenerator<arrow.Table> {
  const probe = await conn.run(`SELECT * FROM ${fromSql} LIMIT 0`);
  const names = probe.columnNames();
  const types = probe.columnTypes();
  const select = names.map((n, i) => selectExpression(n, types[i])).join(', ');
  const result = await conn.stream(`SELECT ${select || '*'} FROM ${fromSql}`);
  const readTypes = result.columnTypes().map((t) => t.typeId);

  // A batch holds whole DuckDB vectors (at most 2048 rows each), so it is never smaller than one.
  batchRows = Math.max(batchRows, DUCKDB_VECTOR_ROWS);
  const builders: ColumnBuilder[] = names.map((name, i) => {
    const spec = FIXED[readTypes[i]];
    return spec ? new FixedBuilder(name, batchRows, spec) : new Utf8Builder(name, batchRows);
  });
  const build = (length: number): arrow.Table =>
    tableOf(
      builders.map((b) => b.name),
      builders.map((b) => b.finish(length)),
    );

  let filled = 0;
  let yielded = false;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    // A vector that does not fit closes the batch.
    if (filled > 0 && filled + chunk.rowCount > batchRows) {
      yield build(filled);
      yielded = true;
      builders.forEach((b) => b.reset());
      filled = 0;
    }
    const rows = chunk.rowCount;
    builders.forEach((b, i) => b.append(chunk, i, filled, rows));
    filled += rows;
  }
  if (filled > 0 || !yielded) yield build(filled);
}
