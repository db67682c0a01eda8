// How a chunk's rows are read and its predictions written: by parquet-wasm when the staged files'
// column types allow it and no outputTableDefinition asks for casts (the fast path: no DuckDB
// between the file and the model), else by DuckDB (recordBatches.ts, outputWriter.ts), which casts
// what parquet-wasm leaves alone. With the input's columns kept (includeInputColumns), parquet-wasm
// writes each batch's input columns beside its predictions; DuckDB joins them back by row keys.
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlPathList } from '../adapters/localEngine/localEngine.js';
import type * as arrow from 'apache-arrow';
import type { OutputColumn } from '../predictors/normalizeOutput.js';
import { quoteLiteral } from '../spec/identifiers.js';
import type { ColumnDefinition } from '../spec/types.js';
import { OutputWriter } from './outputWriter.js';
import { parquetBatches, type ParquetPart } from './parquetReader.js';
import { ParquetWriter } from './parquetWriter.js';
import { PlainParquetWriter } from './plainParquet/writer.js';
import { wasmUsable } from './wasmHealth.js';
import { predictorInput, type PredictorInput } from './predictorInput.js';
import { readRecordBatches } from './recordBatches.js';

export interface ChunkIOOptions {
  /** The chunk's parts as local files. */
  parts: ParquetPart[];
  /** Where the chunk's output file is written. */
  scratch: string;
  batchRows: number;
  predictor: string;
  includeInputColumns: boolean;
  outputTableDefinition?: ColumnDefinition[];
  /**
   * The chunk's file is copied as it is to the user's outputPath (outputDestination "parquet"): it
   * keeps min/max statistics for their readers. Otherwise the publish step reads it whole, once.
   */
  statistics?: boolean;
  /**
   * Snappy-compresses the chunk's file (the default): for a file that crosses a network (an S3 stage)
   * or becomes the user's. A local stage's chunk files are read back once, from the same disk, by the
   * publish step: there compression only cost CPU (without it the ONNX chunk loop ran 3–17 % faster),
   * and such a file (no statistics either) is written by PlainParquetWriter.
   */
  compressed?: boolean;
}

export interface ChunkIO {
  /** The chunk's record batches as the predictor sees them. A batch's buffers may be reused by a later one. */
  batches: AsyncIterable<PredictorInput>;
  /** True when a batch's buffers stay as they are while the next batch is read (reused by the one after it at the earliest). */
  readonly keepsBatchWhileNextIsRead: boolean;
  append(columns: OutputColumn[], rowCount: number, input: PredictorInput): Promise<void>;
  /** Writes the rest of the chunk's output file (ChunkIOOptions.scratch); returns its rows. */
  finish(): Promise<number>;
  /** After a failure: stops what is in flight, writes nothing. */
  abort(): void;
}

/** Row keys added to the input when DuckDB keeps input columns: they join predictions back to their rows. */
const ROW_KEYS = ['__bi_file', '__bi_row'];

/** The FROM clause that reads the parts: whole files in one scan, file parts by row position (with keys when asked). */
export function chunkSource(parts: ParquetPart[], keyed = false): string {
  if (!keyed && parts.every((p) => p.rowStart === undefined)) return `read_parquet(${sqlPathList(parts.map((p) => p.path))})`;
  const selects = parts.map((part, i) => {
    const scan = `read_parquet(${quoteLiteral(part.path)}, file_row_number = true)`;
    const where = part.rowStart === undefined ? '' : ` WHERE file_row_number >= ${part.rowStart} AND file_row_number < ${part.rowEnd}`;
    const keys = keyed ? `, ${i}::INTEGER AS ${ROW_KEYS[0]}, file_row_number AS ${ROW_KEYS[1]}` : '';
    return `SELECT * EXCLUDE (file_row_number)${keys} FROM ${scan}${where}`;
  });
  return `(${selects.join(' UNION ALL ')})`;
}

async function* asInputs(tables: AsyncIterable<arrow.Table>, predictor: string, keys: string[]): AsyncGenerator<PredictorInput> {
  for await (const table of tables) yield predictorInput(table, predictor, keys);
}

export async function openChunkIO(
  conns: { reader: DuckDBConnection; writer: DuckDBConnection },
  options: ChunkIOOptions,
): Promise<ChunkIO> {
  const { parts, batchRows, predictor, includeInputColumns, outputTableDefinition } = options;
  const wasmWrites = !outputTableDefinition && wasmUsable();
  // Input columns kept: both sides by parquet-wasm (batch by batch) or both by DuckDB (a join by keys).
  const wasmBatches = !includeInputColumns || wasmWrites ? await parquetBatches(parts, batchRows) : undefined;
  const keyed = includeInputColumns && !(wasmBatches && wasmWrites);
  const source = chunkSource(parts, keyed);
  const batches = wasmBatches ?? readRecordBatches(conns.reader, source, batchRows);
  if (wasmWrites && !keyed) {
    const settings = { statistics: options.statistics ?? false, compressed: options.compressed ?? true };
    const wasmWriter = () => new ParquetWriter(predictor, settings);
    const writer =
      settings.statistics || settings.compressed ? wasmWriter() : new PlainParquetWriter(predictor, options.scratch, wasmWriter);
    return {
      batches: asInputs(batches, predictor, []),
      keepsBatchWhileNextIsRead: !!wasmBatches,
      append: async (columns, n, input) => writer.append(columns, n, includeInputColumns ? input.features : undefined),
      finish: () => (writer instanceof PlainParquetWriter ? writer.finish() : writer.finish(options.scratch)),
      abort: () => writer.abort(),
    };
  }
  const keys = keyed ? ROW_KEYS : [];
  const output = new OutputWriter(conns.writer, predictor, outputTableDefinition);
  let inputColumns: string[] = [];
  return {
    batches: (async function* () {
      for await (const input of asInputs(batches, predictor, keys)) {
        inputColumns = input.inputColumns;
        yield input;
      }
    })(),
    keepsBatchWhileNextIsRead: !!wasmBatches,
    append: (columns, n, input) => output.append([...columns, ...input.keyColumns], n),
    finish: () => output.finish(options.scratch, keyed ? { source, keys, inputColumns } : undefined),
    abort: () => {},
  };
}
