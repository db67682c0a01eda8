// Collects a chunk's predictions in a temporary DuckDB table and writes them as one parquet file,
// cast to the outputTableDefinition types. Numeric columns are copied into DuckDB's buffers whole.
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  DuckDBDataChunk,
  FLOAT,
  INTEGER,
  LIST,
  listValue,
  SMALLINT,
  TIMESTAMP,
  TINYINT,
  UBIGINT,
  UINTEGER,
  USMALLINT,
  UTINYINT,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { OutputColumn, StorageType } from '../predictors/normalizeOutput.js';
import { duckdbTypeOf, parseColumnType, type ColumnKind, type ColumnType } from '../spec/columnTypes.js';
import { PredictorOutputError } from '../predictors/errors.js';
import { quoteIdentifier, quoteLiteral } from '../spec/identifiers.js';
import type { ColumnDefinition } from '../spec/types.js';
import { fixedItems, setValidity } from './duckdbVectors.js';

const DUCK_TYPES: Record<StorageType, DuckDBType> = {
  DOUBLE,
  FLOAT,
  TINYINT,
  SMALLINT,
  INTEGER,
  BIGINT,
  UTINYINT,
  USMALLINT,
  UINTEGER,
  UBIGINT,
  BOOLEAN,
  DATE,
  TIMESTAMP,
  VARCHAR,
  LIST: LIST(DOUBLE),
};

const VECTOR_ROWS = 2048;

/** Which value kinds can be written into a column of each declared kind. */
const ACCEPTS: Record<ColumnKind, ColumnKind[]> = {
  int: ['int', 'float', 'decimal', 'bool'],
  float: ['int', 'float', 'decimal', 'bool'],
  decimal: ['int', 'float', 'decimal', 'bool'],
  bool: ['bool', 'int'],
  string: ['int', 'float', 'decimal', 'bool', 'string', 'date', 'timestamp'],
  date: ['date', 'timestamp', 'string'],
  timestamp: ['date', 'timestamp', 'string'],
  list: ['list'],
};

/** The chunk's input, read again with row keys, to put every input column next to the predictions. */
export interface PassThrough {
  /** A FROM-clause source that yields the input columns plus the key columns. */
  source: string;
  /** Key columns present in both the source and the appended predictions (appended last). */
  keys: string[];
  /** The input's column names, without the keys. */
  inputColumns: string[];
}

interface Target {
  name: string;
  type?: ColumnType;
  declared?: string;
}

export class OutputWriter {
  private appender?: DuckDBAppender;
  private layout?: OutputColumn[];
  private rows = 0;
  private readonly table: string;

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly predictor: string,
    private readonly definition?: ColumnDefinition[],
  ) {
    this.table = `bi_out_${Math.random().toString(36).slice(2)}`;
  }

  /** The definition types the first columns; any after them (row keys for pass-through) keep their names. */
  private targets(columns: OutputColumn[]): Target[] {
    if (!this.definition) return columns.map((c) => ({ name: c.name }));
    const typed: Target[] = this.definition.map(([name, declared]) => ({ name, declared, type: parseColumnType(declared)! }));
    return [...typed, ...columns.slice(typed.length).map((c) => ({ name: c.name }))];
  }

  private async open(columns: OutputColumn[]): Promise<void> {
    this.targets(columns).forEach((target, i) => {
      const column = columns[i];
      if (target.type && !ACCEPTS[target.type.kind].includes(column.kind)) {
        throw new PredictorOutputError(
          this.predictor,
          `column "${target.name}" holds ${column.kind} values but outputTableDefinition declares ${target.declared}; return ${target.type.kind} values or change the definition`,
        );
      }
    });
    const ddl = columns.map((c, i) => `c${i} ${c.storage === 'LIST' ? 'DOUBLE[]' : c.storage}`).join(', ');
    await this.conn.run(`CREATE TEMP TABLE ${this.table} (${ddl})`);
    this.appender = await this.conn.createAppender(this.table, 'main', 'temp');
    this.layout = columns;
  }

  async append(columns: OutputColumn[], rowCount: number): Promise<void> {
    if (!this.layout) await this.open(columns);
    const layout = this.layout!;
    columns.forEach((c, i) => {
      if (c.storage !== layout[i].storage) {
        throw new PredictorOutputError(
          this.predictor,
          `column "${c.name}" changed type between batches (${layout[i].storage} then ${c.storage}); return the same types for every batch`,
        );
      }
    });
    this.checkDimensions(columns);
    // One chunk reused for every vector: the appender copies it, and creating one per 2048 rows costs more.
    const chunk = DuckDBDataChunk.create(
      columns.map((c) => DUCK_TYPES[c.storage]),
      VECTOR_ROWS,
    );
    for (let offset = 0; offset < rowCount; offset += VECTOR_ROWS) {
      const n = Math.min(VECTOR_ROWS, rowCount - offset);
      chunk.reset();
      chunk.rowCount = n;
      columns.forEach((column, i) => fillVector(chunk, i, column, offset, n));
      this.appender!.appendDataChunk(chunk);
    }
    this.rows += rowCount;
  }

  /** A list column declared with a dimension (FLOAT[384], VECTOR(FLOAT, 384)) takes exactly that many values per row. */
  private checkDimensions(columns: OutputColumn[]): void {
    this.targets(columns).forEach((target, i) => {
      const dimension = target.type?.dimension;
      const offsets = columns[i].offsets;
      if (!dimension || !offsets) return;
      const validity = columns[i].validity;
      for (let row = 0; row + 1 < offsets.length; row++) {
        const length = offsets[row + 1] - offsets[row];
        if (length === dimension || (validity && (validity[row >> 3] & (1 << (row & 7))) === 0)) continue;
        throw new PredictorOutputError(
          this.predictor,
          `column "${target.name}" has ${length} values at row ${this.rows + row} but outputTableDefinition declares ${target.declared}; return exactly ${dimension} values per row`,
        );
      }
    });
  }

  /**
   * Writes everything appended so far to `path` as parquet and returns the row count. With
   * `passThrough`, each prediction row is joined back to its input row on the key columns, and the
   * input's columns come first (a predicted column replaces an input column of the same name).
   */
  async finish(path: string, passThrough?: PassThrough): Promise<number> {
    if (!this.layout) throw new Error('OutputWriter.finish before any batch');
    this.appender!.flushSync();
    this.appender!.closeSync();
    const targets = this.targets(this.layout);
    const select = this.layout
      .map((column, i) => {
        let expr = `c${i}`;
        if (column.epochMs) expr = `epoch_ms(CAST(${expr} AS BIGINT))`;
        const target = targets[i];
        if (target.type) expr = `CAST(${expr} AS ${duckdbTypeOf(target.type)})`;
        return `${expr} AS ${quoteIdentifier(target.name)}`;
      })
      .join(', ');
    let query = `SELECT ${select} FROM temp.${this.table}`;
    if (passThrough) {
      const keys = passThrough.keys.map(quoteIdentifier).join(', ');
      const predicted = new Set(targets.map((t) => t.name.toLowerCase()));
      const replaced = passThrough.inputColumns.filter((c) => predicted.has(c.toLowerCase()) && !passThrough.keys.includes(c));
      const dropFromInput = [...passThrough.keys, ...replaced].map(quoteIdentifier).join(', ');
      query = `SELECT i.* EXCLUDE (${dropFromInput}), o.* EXCLUDE (${keys}) FROM ${passThrough.source} AS i JOIN (${query}) AS o USING (${keys})`;
    }
    try {
      await this.conn.run(`COPY (${query}) TO ${quoteLiteral(path)} (FORMAT parquet)`);
    } catch (err) {
      const message = (err as Error).message;
      if (/Conversion Error|Invalid Input Error|Out of Range/i.test(message)) {
        throw new PredictorOutputError(this.predictor, `values do not fit outputTableDefinition: ${message}`);
      }
      throw err;
    } finally {
      await this.conn.run(`DROP TABLE IF EXISTS temp.${this.table}`);
    }
    return this.rows;
  }
}

function fillVector(chunk: DuckDBDataChunk, index: number, column: OutputColumn, offset: number, n: number): void {
  if (column.storage === 'LIST') {
    const values = column.values as Float64Array;
    const offsets = column.offsets!;
    const validity = column.validity;
    const rows: DuckDBValue[] = new Array(n);
    for (let r = 0; r < n; r++) {
      const row = offset + r;
      rows[r] =
        validity && (validity[row >> 3] & (1 << (row & 7))) === 0
          ? null
          : listValue(Array.from(values.subarray(offsets[row], offsets[row + 1])));
    }
    chunk.setColumnValues(index, rows);
    return;
  }
  if (column.storage === 'VARCHAR') {
    chunk.setColumnValues(index, (column.values as DuckDBValue[]).slice(offset, offset + n));
    return;
  }
  const vector = chunk.getColumnVector(index);
  const items = fixedItems(vector);
  if (!items) throw new Error(`no typed buffer for ${column.storage}`);
  (items as Float64Array).set((column.values as Float64Array).subarray(offset, offset + n));
  if (column.validity) setValidity(vector, column.validity, offset, n);
  vector.flush();
}
