// The embedded default warehouse: a DuckDB file. It is opened per operation and closed when the
// last one ends, so another process (the CLI, a test) can read it between runs.
import type { DuckDBConnection } from '@duckdb/node-api';
import fs from 'node:fs/promises';
import path from 'node:path';
import { duckdbTypeOf, parseColumnType } from '../../../spec/columnTypes.js';
import { PublishError, QueryError } from '../errors.js';
import { quoteIdentifier, quoteLiteral, quoteQualified } from '../../../spec/identifiers.js';
import { sqlPathList } from '../../localEngine/localEngine.js';
import { localCopies } from '../../stage/stage.js';
import type { CheckQueryOptions, ExportRequest, PublishRequest, PublishResult, QueryOptions, StagedFile, Warehouse } from '../warehouse.js';
import { gateFor, type InstanceProfile } from './duckdbGate.js';
import { checkOneSelect, checkStillOneStatement } from './duckdbReadOnly.js';
import { BOOKKEEPING, sandboxProfile } from './duckdbSandbox.js';
import { interruptOnAbort } from './duckdbInterrupt.js';
import { CheckedQueries } from './checkedQueries.js';
import { resultColumns } from './queryColumns.js';

const PUBLISHES_TABLE = 'batch_inference_publishes';
/** DuckDB errors that a retry cannot fix: the SQL or the catalog is wrong, or it reaches outside the sandbox. */
const USER_ERROR = /^(Parser|Binder|Catalog|Conversion|Invalid Input|Not implemented|Permission) Error/;

export class DuckDBWarehouse implements Warehouse {
  readonly path: string;

  constructor(file: string) {
    this.path = path.resolve(file);
  }

  describe(): string {
    return `duckdb:${this.path}`;
  }

  /** Runs fn on a connection to the warehouse file, opening it if needed and closing it after the last user. */
  async withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>, profile: InstanceProfile = BOOKKEEPING): Promise<T> {
    // One gate per file in the process: opening and closing are serialised (issue 11, item 2).
    return gateFor(this.path).withConnection(profile, fn);
  }

  /** Queries that passed checkReadOnlyQuery: a run checks its query twice, the second time for free. */
  private readonly checked = new CheckedQueries();

  async checkReadOnlyQuery(sql: string, options: CheckQueryOptions = {}): Promise<void> {
    const useUtc = options.useUtc ?? true;
    const field = options.field ?? 'inputQuery';
    if (this.checked.has(sql, useUtc, field)) return;
    await this.withConnection(async (conn) => {
      try {
        await checkOneSelect(conn, sql, field);
      } catch (err) {
        throw asQueryError(err, sql);
      }
    }, sandboxProfile({ useUtc }));
    this.checked.add(sql, useUtc, field);
  }

  async queryColumns(sql: string, options: CheckQueryOptions = {}): Promise<string[]> {
    return this.withConnection(
      async (conn) => {
        try {
          return await resultColumns(conn, sql, options.field ?? 'inputQuery');
        } catch (err) {
          throw asQueryError(err, sql);
        }
      },
      sandboxProfile({ useUtc: options.useUtc ?? true }),
    );
  }

  async exportQuery(req: ExportRequest): Promise<StagedFile[]> {
    const folder = await req.stage.writeFolder(req.prefix);
    try {
      const files = await this.withConnection(
        (conn) =>
          interruptOnAbort(conn, req.signal, async () => {
            const copy = `COPY (
${req.sql}
) TO ${quoteLiteral(folder.dir)} (FORMAT parquet, FILE_SIZE_BYTES ${Math.max(1, Math.floor(req.fileSizeBytes))}, OVERWRITE_OR_IGNORE true)`;
            try {
              await checkStillOneStatement(conn, copy, 'inputQuery');
            } catch (err) {
              throw asQueryError(err, req.sql);
            }
            await runUserSql(conn, req.sql, copy);
            // An empty result still gets one (empty) file, so the predictor defines the output schema.
            if ((await fs.readdir(folder.dir)).length === 0) {
              await conn.run(
                `COPY (SELECT * FROM (
${req.sql}
) LIMIT 0) TO ${quoteLiteral(path.join(folder.dir, 'data_0.parquet'))} (FORMAT parquet)`,
              );
            }
            return describeParquetFiles(conn, folder.dir, req.prefix);
          }),
        sandboxProfile({ useUtc: req.useUtc, writeDir: folder.dir }),
      );
      await folder.commit();
      return files;
    } catch (err) {
      await folder.discard();
      throw err;
    }
  }

  async publish(req: PublishRequest): Promise<PublishResult> {
    const objects = (await req.stage.list(req.prefix)).filter((o) => o.key.endsWith('.parquet'));
    // Local copies (downloads from S3) a few at a time: a run can have thousands of output files.
    const copies = await localCopies(
      req.stage,
      objects.map((o) => o.key),
    );
    try {
      return await gateFor(this.path).exclusive(() =>
        this.withConnection((conn) =>
          this.load(
            conn,
            req,
            copies.map((c) => c.path),
          ),
        ),
      );
    } finally {
      await Promise.all(copies.map((c) => c.release()));
    }
  }

  private async load(conn: DuckDBConnection, req: PublishRequest, files: string[]): Promise<PublishResult> {
    const table = quoteQualified(req.table);
    await conn.run(
      `CREATE TABLE IF NOT EXISTS ${PUBLISHES_TABLE} (publish_id VARCHAR PRIMARY KEY, run_id VARCHAR, table_name VARCHAR, row_count BIGINT, published_at TIMESTAMP)`,
    );
    await conn.run('BEGIN TRANSACTION');
    try {
      const done = await conn.runAndReadAll(`SELECT row_count FROM ${PUBLISHES_TABLE} WHERE publish_id = ${quoteLiteral(req.publishId)}`);
      if (done.currentRowCount > 0) {
        await conn.run('ROLLBACK');
        return { table: req.table, rows: Number(done.getRows()[0][0]), loaded: false };
      }
      const exists = await tableExists(conn, table);
      if (!exists && !req.autoCreateTable) {
        throw new PublishError(`Table ${req.table} does not exist: create it first or set autoCreateTable: true`);
      }
      const source = files.length ? `read_parquet(${sqlPathList(files)})` : null;
      if (!exists) {
        const parts = req.table.split('.');
        if (parts.length > 1) await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteQualified(parts.slice(0, -1).join('.'))}`);
        if (req.definition) {
          const cols = req.definition.map(([name, type]) => `${quoteIdentifier(name)} ${duckdbTypeOf(parseColumnType(type)!)}`);
          await conn.run(`CREATE TABLE ${table} (${cols.join(', ')})`);
        } else if (source) {
          await conn.run(`CREATE TABLE ${table} AS SELECT * FROM ${source} LIMIT 0`);
        } else {
          throw new PublishError(`Run ${req.runId} produced no output files to create ${req.table} from; give outputTableDefinition`);
        }
      } else if (req.overwrite) {
        await conn.run(`DELETE FROM ${table}`);
      }
      let rows = 0;
      if (source) {
        const inserted = await runUserSql(conn, undefined, `INSERT INTO ${table} BY NAME SELECT * FROM ${source}`);
        rows = Number(inserted);
      }
      await conn.run(
        `INSERT INTO ${PUBLISHES_TABLE} VALUES (${quoteLiteral(req.publishId)}, ${quoteLiteral(req.runId)}, ${quoteLiteral(req.table)}, ${rows}, now()::TIMESTAMP)`,
      );
      await conn.run('COMMIT');
      return { table: req.table, rows, loaded: true };
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => {});
      if (err instanceof QueryError)
        throw new PublishError(`Cannot load predictions into ${req.table}: ${err.reason}`, req.table, { cause: err });
      throw err;
    }
  }

  async query(sql: string, options: QueryOptions = {}): Promise<Record<string, unknown>[]> {
    return this.withConnection(
      (conn) =>
        interruptOnAbort(conn, options.signal, async () => {
          const limited = `SELECT * FROM (
${sql}
) LIMIT ${Math.floor(options.maxRows ?? 1000)}`;
          try {
            // Wrapped, the text must still be exactly one SELECT: SQL that closes our parenthesis cannot append statements.
            await checkOneSelect(conn, limited, 'query');
            return (await conn.runAndReadAll(limited)).getRowObjectsJson() as Record<string, unknown>[];
          } catch (err) {
            throw asQueryError(err, sql);
          }
        }),
      sandboxProfile({ useUtc: options.useUtc ?? true }),
    );
  }

  async tableHasRows(table: string): Promise<boolean> {
    return this.withConnection(async (conn) => {
      if (!(await tableExists(conn, quoteQualified(table)))) return false;
      return (await conn.runAndReadAll(`SELECT 1 FROM ${quoteQualified(table)} LIMIT 1`)).currentRowCount > 0;
    });
  }

  async tableColumns(table: string): Promise<{ name: string; type: string }[] | null> {
    return this.withConnection(async (conn) => {
      if (!(await tableExists(conn, quoteQualified(table)))) return null;
      const rows = (await conn.runAndReadAll(`DESCRIBE ${quoteQualified(table)}`)).getRowObjectsJS();
      return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    });
  }

  async preview(table: string, limit: number): Promise<Record<string, unknown>[]> {
    return this.withConnection(
      async (conn) =>
        (
          await conn.runAndReadAll(`SELECT * FROM ${quoteQualified(table)} ORDER BY 1 LIMIT ${Math.floor(limit)}`)
        ).getRowObjectsJson() as Record<string, unknown>[],
    );
  }

  async close(): Promise<void> {}
}

/** Key, size and row count (from the footer) of each parquet file written to dir. */
async function describeParquetFiles(conn: DuckDBConnection, dir: string, prefix: string): Promise<StagedFile[]> {
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.parquet')).sort();
  if (names.length === 0) return [];
  const reader = await conn.runAndReadAll(
    `SELECT file_name, num_rows FROM parquet_file_metadata(${sqlPathList(names.map((n) => path.join(dir, n)))})`,
  );
  const rows = new Map(reader.getRows().map(([file, n]) => [path.basename(String(file)), Number(n)]));
  return Promise.all(
    names.map(async (name) => ({
      key: `${prefix}/${name}`,
      bytes: (await fs.stat(path.join(dir, name))).size,
      rows: rows.get(name) ?? 0,
    })),
  );
}

async function tableExists(conn: DuckDBConnection, quotedTable: string): Promise<boolean> {
  try {
    await conn.run(`SELECT 1 FROM ${quotedTable} LIMIT 0`);
    return true;
  } catch (err) {
    if (/Catalog Error/.test((err as Error).message)) return false;
    throw err;
  }
}

/**
 * Runs SQL that comes from or depends on the user; errors a retry cannot fix become QueryErrors that
 * quote `shown` (the user's own query), not the statement around it.
 */
async function runUserSql(conn: DuckDBConnection, shown: string | undefined, sql: string): Promise<number> {
  try {
    const result = await conn.run(sql);
    return result.rowsChanged;
  } catch (err) {
    throw asQueryError(err, shown ?? sql);
  }
}

/** A DuckDB error a retry cannot fix becomes a QueryError carrying its message; others stay as they are. */
function asQueryError(err: unknown, sql: string): unknown {
  const reason = (err as Error).message;
  return USER_ERROR.test(reason) ? new QueryError({ warehouse: 'DuckDB', sql, reason, cause: err }) : err;
}
