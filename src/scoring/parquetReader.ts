// Reads a chunk's staged parquet straight into Arrow record batches with parquet-wasm (Rust's parquet
// and arrow crates compiled to WebAssembly), without DuckDB: DuckDB hands a result to JavaScript 2048
// rows at a time, and at 10M rows that hand-over cost more than the model (issues 12 and 13). Each
// batch is copied out of WebAssembly memory once, as an Arrow IPC stream in one of two buffers the
// chunk reuses; the batch is read from those bytes and keeps them, so a Python model is sent them as
// they are.
// Only columns whose types DuckDB's reader (recordBatches.ts) would give unchanged are read here; a
// file with any other type (decimals, nanosecond or zoned timestamps, nested types…) is read by DuckDB,
// which casts them.
import * as arrow from 'apache-arrow';
import fs from 'node:fs/promises';
import { parseRecordBatch } from 'arrow-js-ffi';
import * as pw from 'parquet-wasm';
import { rememberIpc } from './encodedIpc.js';
import { IpcScratch } from './ipcScratch.js';
import { noteWasmError, wasmUsable } from './wasmHealth.js';

export interface ParquetPart {
  path: string;
  /** Rows [rowStart, rowEnd) by position in the file; the whole file when absent. */
  rowStart?: number;
  rowEnd?: number;
}

/** Types read here exactly as DuckDB's reader gives them. */
function sameAsDuckDB(type: arrow.DataType): boolean {
  if (arrow.DataType.isInt(type) || arrow.DataType.isBool(type) || arrow.DataType.isUtf8(type)) return true;
  if (arrow.DataType.isFloat(type)) return type.precision !== arrow.Precision.HALF;
  if (arrow.DataType.isDate(type)) return type.unit === arrow.DateUnit.DAY;
  if (arrow.DataType.isTimestamp(type)) return type.unit === arrow.TimeUnit.MICROSECOND && !type.timezone;
  return false;
}

const describe = (schema: arrow.Schema) => JSON.stringify(schema.fields.map((f) => [f.name, String(f.type)]));

/**
 * Above this many bytes of staged files a chunk is read by DuckDB: parquet-wasm holds a whole file in
 * WebAssembly memory (which never shrinks) to read any part of it.
 */
export const WASM_MAX_CHUNK_BYTES = 256 * 1024 * 1024;

/** The files' bytes when every column of every file can be read here (and the files agree), else undefined. */
async function readable(parts: ParquetPart[], maxBytes: number): Promise<Uint8Array[] | undefined> {
  if (!wasmUsable()) return undefined;
  const sizes = await Promise.all(parts.map(async (p) => (await fs.stat(p.path)).size));
  if (sizes.reduce((a, b) => a + b, 0) > maxBytes) return undefined;
  // A Buffer is a Uint8Array: wrapping it in new Uint8Array() copied every file once more.
  const files: Uint8Array[] = await Promise.all(parts.map((p) => fs.readFile(p.path)));
  let layout: string | undefined;
  for (const bytes of files) {
    let schema: arrow.Schema;
    try {
      schema = arrow.tableFromIPC(pw.readSchema(bytes).intoIPCStream()).schema;
    } catch (err) {
      noteWasmError(err);
      return undefined; // not a file parquet-wasm reads: DuckDB says what is wrong with it
    }
    if (!schema.fields.every((f) => sameAsDuckDB(f.type))) return undefined;
    if (layout !== undefined && describe(schema) !== layout) return undefined;
    layout = describe(schema);
  }
  return files;
}

/**
 * A column's views cut to the bytes it holds. arrow-js-ffi 0.4.3 views a validity bitmap as
 * length / 8 + 1 bytes and a boolean column's bits as `length` bytes, and apache-arrow writes a
 * bitmap view whole: the bytes after them in WebAssembly memory (other batches, other chunks' files)
 * would go out with the batch, to a Python model too. It also sizes views without an array's offset:
 * parquet-wasm's reader gives none (each batch is decoded into arrays of its own), and one that did
 * would be refused here rather than read wrong.
 */
function exact(data: arrow.Data): arrow.Data {
  if (data.offset !== 0 || data.children.length > 0 || data.dictionary) {
    throw new Error(`parquet-wasm gave a ${String(data.type)} column at offset ${data.offset}: this reader views only whole, flat arrays`);
  }
  const bytes = Math.ceil(data.length / 8);
  const values = arrow.DataType.isBool(data.type) ? (data.values as Uint8Array).subarray(0, bytes) : data.values;
  const validity = data.nullBitmap?.subarray(0, bytes);
  return new arrow.Data(data.type, 0, data.length, data.nullCount, [data.valueOffsets, values, validity]);
}

/**
 * A batch's IPC stream, encoded into `scratch` straight from WebAssembly memory (the C data
 * interface): intoIPCStream() gave a fresh buffer the size of every batch, and the collections V8
 * ran for them cost a chunk thread more than the copy. The views of WebAssembly memory live only
 * until the encode returns: nothing runs in WebAssembly in between (its memory could grow and move).
 */
function ipcOf(batch: pw.RecordBatch, scratch: IpcScratch): Uint8Array {
  const ffi = batch.intoFFI();
  try {
    const viewed = parseRecordBatch(pw.wasmMemory().buffer, ffi.arrayAddr(), ffi.schemaAddr(), false);
    const type = new arrow.Struct(viewed.schema.fields);
    const data = arrow.makeData({ type, length: viewed.numRows, children: viewed.data.children.map(exact) });
    return scratch.encode(new arrow.Table(new arrow.RecordBatch(viewed.schema, data)));
  } finally {
    ffi.free();
  }
}

/** Two: a batch's buffers stay as they are while the next one is read (a model may hold one batch while the next is read). */
const BATCH_BUFFERS = 2;

/**
 * The chunk's rows as Arrow tables of at most `batchRows` rows, part after part, or undefined when a
 * column's type needs DuckDB. Like readRecordBatches, an empty chunk yields one empty table (its
 * schema still tells the predictor the columns). A batch's buffers stay as they are until the batch
 * after the next one is read; they are the chunk's own (no other chunk's batches are read into them).
 */
export async function parquetBatches(
  parts: ParquetPart[],
  batchRows: number,
  maxBytes = WASM_MAX_CHUNK_BYTES,
): Promise<AsyncGenerator<arrow.Table> | undefined> {
  const files = await readable(parts, maxBytes);
  if (!files) return undefined;
  return (async function* () {
    let empty: arrow.Table | undefined;
    let yielded = false;
    const buffers = Array.from({ length: BATCH_BUFFERS }, () => new IpcScratch());
    let turn = 0;
    for (let i = 0; i < parts.length; i++) {
      const { rowStart = 0, rowEnd } = parts[i];
      const options =
        rowEnd === undefined
          ? { batchSize: batchRows, offset: rowStart }
          : { batchSize: batchRows, offset: rowStart, limit: rowEnd - rowStart };
      // A part is decoded at once (about 70 ms per million rows of three columns) and handed out batch by batch.
      let table: pw.Table;
      try {
        table = pw.readParquet(files[i], options);
      } catch (err) {
        noteWasmError(err);
        throw err;
      }
      const batches = table.recordBatches();
      try {
        if (!batches.length) empty ??= arrow.tableFromIPC(table.schema.intoIPCStream());
        while (batches.length) {
          const next = batches.shift()!;
          // An empty batch is not encoded: it would take a turn of the buffers and the batch after it
          // would go into the buffer of one still in use.
          if (next.numRows === 0) {
            next.free();
            continue;
          }
          const ipc = ipcOf(next, buffers[turn]);
          turn = (turn + 1) % BATCH_BUFFERS;
          const batch = arrow.tableFromIPC(ipc);
          rememberIpc(batch, ipc);
          yielded = true;
          yield batch;
        }
      } finally {
        batches.forEach((b) => b.free());
        table.free();
      }
    }
    if (!yielded) yield empty ?? arrow.tableFromIPC(pw.readSchema(files[0]).intoIPCStream());
  })();
}
