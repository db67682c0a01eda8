// Writes a local stage's chunk file (ChunkIOOptions.compressed false): the checked predictions and
// the input columns kept, uncompressed, without statistics, as the publish step reads it once from
// the same disk. parquet-wasm's encoding and the copies into and out of WebAssembly memory took a
// third of a chunk thread's time in the ONNX bench (issue 12); here most columns' PLAIN pages are
// their own bytes. One data page per column per batch, gathered per column in buffers reused from
// chunk to chunk, and one row group per chunk (up to ROW_GROUP_ROWS): with a row group per batch, the
// publish left a table of half-filled row groups that DuckDB's checkpoint took 3.5 s to rewrite (10M
// rows; 0.35 s otherwise). A first batch with a column this writer does not store (a list of
// numbers) makes the whole file parquet-wasm's.
// Format: https://parquet.apache.org/docs/file-format/ (parquet.thrift for the field ids below).
import type * as arrow from 'apache-arrow';
import fs from 'node:fs';
import type { OutputColumn, StorageType } from '../../predictors/normalizeOutput.js';
import { layoutChanged, type ParquetWriter } from '../parquetWriter.js';
import {
  arrowValues,
  checkRows,
  COLUMN_TYPES,
  outputValues,
  plainValues,
  presence,
  Scratch,
  storageOfArrow,
  type ColumnValues,
} from './columns.js';
import { ThriftWriter, type ThriftStruct } from './thrift.js';
import { ColumnBuffer } from './columnBuffer.js';

const MAGIC = new TextEncoder().encode('PAR1');
const PLAIN = 0;
const RLE = 3;
const DATA_PAGE = 0;
const OPTIONAL = 1;
const UNCOMPRESSED = 0;
/** A row group is written when it holds this many rows (as parquet-wasm's writer did) or bytes. */
export const ROW_GROUP_ROWS = 1024 * 1024;
const ROW_GROUP_BYTES = 256 * 1024 * 1024;

type Stored = Exclude<StorageType, 'LIST'>;
interface Column {
  name: string;
  storage: Stored | undefined;
  values: ColumnValues | undefined;
}

export class PlainParquetWriter {
  private fd?: number;
  private position = 0;
  private layout?: string;
  private schema: { name: string; storage: Stored }[] = [];
  private readonly rowGroups: ThriftStruct[] = [];
  private rows = 0;
  /** The row group being gathered: a buffer of pages per column, and its rows. */
  private pages: ColumnBuffer[] = [];
  private pending = 0;
  private fallback?: ParquetWriter;
  private closed = false;
  /** A predictor's strings' validity bitmaps (presence()). */
  private readonly bitmaps = new Scratch();
  private readonly values = new Scratch();
  private readonly thrift = new ThriftWriter();

  constructor(
    private readonly predictor: string,
    private readonly file: string,
    /** The writer for a file with a column this one does not store. */
    private readonly otherwise: () => ParquetWriter,
  ) {}

  /** Adds a batch's checked columns (after `input`'s columns when they are kept). */
  append(columns: OutputColumn[], rowCount: number, input?: arrow.Table): void {
    // A batch answered after an abort (the main thread's scorer may still be out with one) must not reopen the file.
    if (this.closed) throw new Error('PlainParquetWriter: append after the file was finished or abandoned');
    if (this.fallback) return this.fallback.append(columns, rowCount, input);
    const predicted = new Set(columns.map((c) => c.name.toLowerCase()));
    const kept = input ? input.schema.fields.filter((f) => !predicted.has(f.name.toLowerCase())) : [];
    const batch: Column[] = [
      ...kept.map((f) => ({ name: f.name, storage: storageOfArrow(f.type), values: arrowValues(input!.getChild(f.name)!) })),
      ...columns.map((c) => ({
        name: c.name,
        storage: c.epochMs ? ('TIMESTAMP' as const) : c.storage === 'LIST' ? undefined : c.storage,
        values: outputValues(c),
      })),
    ];
    const layout = JSON.stringify(batch.map((c) => [c.name, c.storage ?? 'other']));
    if (this.layout === undefined && batch.some((c) => !c.storage || !c.values)) {
      this.fallback = this.otherwise();
      return this.fallback.append(columns, rowCount, input);
    }
    if (this.layout !== undefined && layout !== this.layout) throw layoutChanged(this.predictor);
    this.layout = layout;
    const stored = batch.map((c) => {
      // The reader gives every batch the same layout (one piece from offset 0); another would be a change there.
      if (!c.values) throw new Error(`PlainParquetWriter: input column "${c.name}" is not one contiguous Arrow array`);
      checkRows(c.name, c.values, rowCount);
      return { name: c.name, storage: c.storage!, values: c.values };
    });
    if (this.fd === undefined) {
      this.schema = stored.map(({ name, storage }) => ({ name, storage }));
      this.fd = fs.openSync(this.file, 'w');
      this.write([MAGIC]);
      this.pages = stored.map(() => new ColumnBuffer());
    }
    if (rowCount === 0) return;
    stored.forEach((c, i) => this.addPage(this.pages[i], c, rowCount));
    this.pending += rowCount;
    this.rows += rowCount;
    if (this.pending >= ROW_GROUP_ROWS || this.pages.reduce((a, p) => a + p.length, 0) >= ROW_GROUP_BYTES) this.writeRowGroup();
  }

  /** One data page: header, definition levels (every column is OPTIONAL), PLAIN values. */
  private addPage(into: ColumnBuffer, column: { name: string; storage: Stored; values: ColumnValues }, n: number): void {
    const { validity, present } = presence(column.values, n, this.bitmaps);
    // Levels of bit width 1 in the RLE / bit-packing hybrid: one run of n ones, or the validity bitmap
    // itself as a bit-packed run (the same bit order), its last byte cut to n bits.
    const levels = new ThriftWriter();
    let tail: Uint8Array[] = [];
    if (!validity) {
      levels.varint(n * 2);
      levels.varint(1);
    } else {
      const groups = Math.ceil(n / 8);
      levels.varint(groups * 2 + 1);
      const last = validity[groups - 1] & (n % 8 ? (1 << (n % 8)) - 1 : 0xff);
      tail = [validity.subarray(0, groups - 1), Uint8Array.of(last)];
    }
    const levelBytes = levels.length + tail.reduce((a, t) => a + t.length, 0);
    const values = plainValues(column.values, column.storage, n, present, this.values);
    const body = 4 + levelBytes + values.length;
    if (body > 0x7fffffff) throw new Error(`PlainParquetWriter: column "${column.name}" of one batch is over 2 GiB; use smaller batches`);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, levelBytes, true);
    const header = this.thrift
      .reset()
      .struct([
        [1, { i32: DATA_PAGE }],
        [2, { i32: body }],
        [3, { i32: body }],
        [
          5,
          {
            struct: [
              [1, { i32: n }],
              [2, { i32: PLAIN }],
              [3, { i32: RLE }],
              [4, { i32: RLE }],
            ],
          },
        ],
      ])
      .view();
    into.add([header, length, levels.view(), ...tail, values], n);
  }

  /** Writes the gathered row group: each column's pages, one after the other. */
  private writeRowGroup(): void {
    const first = this.position;
    const chunks = this.pages.map((pages, i): ThriftStruct => {
      const offset = this.position;
      const total = pages.length;
      this.write([pages.bytes()]);
      const chunk: ThriftStruct = [
        [2, { i64: offset }],
        [
          3,
          {
            struct: [
              [1, { i32: COLUMN_TYPES[this.schema[i].storage].physical }],
              [2, { list: { i32: [PLAIN, RLE] } }],
              [3, { list: { string: [this.schema[i].name] } }],
              [4, { i32: UNCOMPRESSED }],
              [5, { i64: pages.rows }],
              [6, { i64: total }],
              [7, { i64: total }],
              [9, { i64: offset }],
            ],
          },
        ],
      ];
      pages.clear();
      return chunk;
    });
    const bytes = this.position - first;
    this.rowGroups.push([
      [1, { list: { struct: chunks } }],
      [2, { i64: bytes }],
      [3, { i64: this.pending }],
      [5, { i64: first }],
      [6, { i64: bytes }],
    ]);
    this.pending = 0;
  }

  private write(pieces: Uint8Array[]): void {
    const rest = pieces.filter((p) => p.length > 0);
    while (rest.length) {
      let written = fs.writevSync(this.fd!, rest);
      this.position += written;
      // A short write (rare on a file): go on from where it stopped.
      while (rest.length && written >= rest[0].length) written -= rest.shift()!.length;
      if (written > 0) rest[0] = rest[0].subarray(written);
    }
  }

  /** Writes the last row group and the footer, and closes the file; returns the row count. */
  async finish(): Promise<number> {
    if (this.closed) throw new Error('PlainParquetWriter: finish after the file was finished or abandoned');
    if (this.fallback) return this.fallback.finish(this.file);
    if (this.fd === undefined) throw new Error('PlainParquetWriter.finish before any batch');
    try {
      if (this.pending > 0) this.writeRowGroup();
      const schema: ThriftStruct[] = [
        [
          [4, { string: 'schema' }],
          [5, { i32: this.schema.length }],
        ],
        ...this.schema.map(({ name, storage }): ThriftStruct => {
          const type = COLUMN_TYPES[storage];
          return [
            [1, { i32: type.physical }],
            [3, { i32: OPTIONAL }],
            [4, { string: name }],
            [6, type.converted === undefined ? undefined : { i32: type.converted }],
            [10, type.logical ? { struct: type.logical } : undefined],
          ];
        }),
      ];
      const footer = new ThriftWriter()
        .struct([
          [1, { i32: 1 }],
          [2, { list: { struct: schema } }],
          [3, { i64: this.rows }],
          [4, { list: { struct: this.rowGroups } }],
          [6, { string: 'batch-inference' }],
        ])
        .view();
      const length = new Uint8Array(4);
      new DataView(length.buffer).setUint32(0, footer.length, true);
      this.write([footer, length, MAGIC]);
    } finally {
      this.close();
    }
    return this.rows;
  }

  /** Stops writing (a failed or stopped chunk); the caller removes the file. */
  abort(): void {
    this.fallback?.abort();
    this.close();
  }

  private close(): void {
    this.closed = true;
    for (const pages of this.pages) pages.release();
    this.pages = [];
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    fs.closeSync(fd);
  }
}
