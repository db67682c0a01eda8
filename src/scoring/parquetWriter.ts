// Writes a chunk's checked predictions as one parquet file with parquet-wasm, without DuckDB: at 10M
// rows DuckDB's appender and temporary table cost more than the model (issues 12 and 13). Batches are
// encoded as they come (the file is assembled in WebAssembly memory and written at finish).
// The columns get the types OutputWriter's table gives them (a DOUBLE column stays DOUBLE, epoch
// milliseconds become TIMESTAMP, a list of numbers DOUBLE[]); casting to an outputTableDefinition is
// OutputWriter's, which a chunk uses when the spec has one. With the input's columns kept
// (includeInputColumns), each batch's input columns come first and a prediction of the same name
// replaces the input column, as OutputWriter's join does.
import * as arrow from 'apache-arrow';
import fs from 'node:fs/promises';
import * as pw from 'parquet-wasm';
import type { OutputColumn, StorageType } from '../predictors/normalizeOutput.js';
import { PredictorOutputError } from '../predictors/errors.js';
import { packBits } from './duckdbVectors.js';
import { IpcScratch } from './ipcScratch.js';
import { tableOf } from './tableOf.js';
import { noteWasmError } from './wasmHealth.js';

const ARROW_TYPES: Record<Exclude<StorageType, 'LIST'>, () => arrow.DataType> = {
  DOUBLE: () => new arrow.Float64(),
  FLOAT: () => new arrow.Float32(),
  TINYINT: () => new arrow.Int8(),
  SMALLINT: () => new arrow.Int16(),
  INTEGER: () => new arrow.Int32(),
  BIGINT: () => new arrow.Int64(),
  UTINYINT: () => new arrow.Uint8(),
  USMALLINT: () => new arrow.Uint16(),
  UINTEGER: () => new arrow.Uint32(),
  UBIGINT: () => new arrow.Uint64(),
  BOOLEAN: () => new arrow.Bool(),
  DATE: () => new arrow.DateDay(),
  TIMESTAMP: () => new arrow.TimestampMicrosecond(),
  VARCHAR: () => new arrow.Utf8(),
};

const describeSchema = (schema: arrow.Schema) => JSON.stringify(schema.fields.map((f) => [f.name, String(f.type), f.nullable]));

/** One column of one batch as an Arrow vector (its buffers are copied when the batch is encoded). */
function toVector(column: OutputColumn, n: number): arrow.Vector {
  const nullBitmap = column.validity?.subarray(0, Math.ceil(n / 8)) ?? undefined;
  if (column.storage === 'LIST') {
    const offsets = column.offsets!.subarray(0, n + 1);
    const child = arrow.makeData({
      type: new arrow.Float64(),
      length: offsets[n],
      data: (column.values as Float64Array).subarray(0, offsets[n]),
    });
    const type = new arrow.List(new arrow.Field('item', new arrow.Float64(), true));
    return arrow.makeVector(arrow.makeData({ type, length: n, valueOffsets: offsets, child, nullBitmap }));
  }
  if (column.storage === 'VARCHAR') return arrow.vectorFromArray((column.values as (string | null)[]).slice(0, n), new arrow.Utf8());
  if (column.epochMs) {
    // As OutputWriter's epoch_ms(CAST(ms AS BIGINT)): milliseconds rounded, then microseconds.
    const ms = column.values as Float64Array;
    const micros = new BigInt64Array(n);
    for (let i = 0; i < n; i++) micros[i] = BigInt(Math.round(ms[i])) * 1000n;
    return arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMicrosecond(), length: n, data: micros, nullBitmap } as never));
  }
  const values = column.values as unknown as ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> };
  const slice = values.subarray(0, n);
  const data = column.storage === 'BOOLEAN' ? packBits(slice as Uint8Array) : slice;
  return arrow.makeVector(arrow.makeData({ type: ARROW_TYPES[column.storage](), length: n, data, nullBitmap } as never));
}

/** A batch whose columns differ from the first's: a file has one schema. */
export const layoutChanged = (predictor: string) =>
  new PredictorOutputError(
    predictor,
    'its columns or their types changed between batches; return the same columns and types for every batch',
  );

export class ParquetWriter {
  private controller?: ReadableStreamDefaultController<pw.RecordBatch>;
  private output?: Promise<Uint8Array[]>;
  private layout?: string;
  private schema?: string;
  private rows = 0;
  /** The batch's IPC bytes on their way into WebAssembly memory (copied there at once). */
  private readonly ipc = new IpcScratch();

  constructor(
    private readonly predictor: string,
    private readonly options: { statistics: boolean; compressed: boolean } = { statistics: false, compressed: true },
  ) {}

  private open(): void {
    const stream = new ReadableStream<pw.RecordBatch>({ start: (controller) => void (this.controller = controller) });
    // Statistics only for a file that becomes the user's: computing min/max took a third of the
    // writer's time (the ONNX bench's 11 columns), and a file the publish step reads whole, once, has
    // no use for them. Compression only where the file travels or stays (ChunkIOOptions.compressed).
    const properties = new pw.WriterPropertiesBuilder()
      .setCompression(this.options.compressed ? pw.Compression.SNAPPY : pw.Compression.UNCOMPRESSED)
      .setDictionaryEnabled(false)
      .setStatisticsEnabled(this.options.statistics ? pw.EnabledStatistics.Page : pw.EnabledStatistics.None)
      .build();
    this.output = pw.transformParquetStream(stream, properties).then(async (parquet) => {
      const parts: Uint8Array[] = [];
      for await (const part of parquet as unknown as AsyncIterable<Uint8Array>) parts.push(part);
      return parts;
    });
    this.output.catch(() => {}); // awaited in finish; a failure before then must not count as unhandled
  }

  /**
   * Adds a batch's checked columns (after `input`'s columns when they are kept).
   */
  append(columns: OutputColumn[], rowCount: number, input?: arrow.Table): void {
    const predicted = new Set(columns.map((c) => c.name.toLowerCase()));
    const kept = input ? input.schema.fields.map((f) => f.name).filter((name) => !predicted.has(name.toLowerCase())) : [];
    const layout = JSON.stringify([kept, columns.map((c) => [c.name, c.storage, !!c.epochMs])]);
    if (this.layout !== undefined && layout !== this.layout) throw layoutChanged(this.predictor);
    this.layout = layout;
    if (!this.controller) this.open();
    // Always from the checked columns, never a predictor's own bytes: a Python answer's bytes may hold
    // what the checks did not see (a value under a NULL, a column declared non-nullable).
    const names = [...kept, ...columns.map((c) => c.name)];
    const vectors = [...kept.map((name) => input!.getChild(name)!), ...columns.map((c) => toVector(c, rowCount))];
    const batch = tableOf(names, vectors);
    // parquet-wasm writes a batch whose schema differs from the first by position, or drops it: refuse it here.
    const schema = describeSchema(batch.schema);
    if (this.schema !== undefined && schema !== this.schema) {
      throw new PredictorOutputError(this.predictor, `its output's Arrow schema changed between batches (${this.schema} then ${schema})`);
    }
    this.schema = schema;
    const ipc = this.ipc.encode(batch);
    try {
      const table = pw.Table.fromIPCStream(ipc);
      for (const batch of table.recordBatches()) this.controller!.enqueue(batch);
      table.free();
    } catch (err) {
      noteWasmError(err);
      throw err;
    }
    this.rows += rowCount;
  }

  /** Writes every batch to `path` as one parquet file; returns the row count. */
  async finish(path: string): Promise<number> {
    if (!this.controller) throw new Error('ParquetWriter.finish before any batch');
    this.controller.close();
    const parts = await this.output!.catch((err: unknown) => {
      noteWasmError(err);
      throw err;
    });
    // parquet-wasm leaves out a batch it cannot write without an error: scoreChunk checks the file's row count.
    // Part after part (an iterable): joining them first would allocate the whole file once more.
    await fs.writeFile(path, parts);
    return this.rows;
  }

  /** Stops encoding (a failed or stopped chunk): nothing is written. */
  abort(): void {
    try {
      this.controller?.error(new Error('chunk abandoned'));
    } catch {
      // already closed
    }
  }
}
