// The production warehouse: Snowflake through snowflake-sdk. Export unloads the query straight to
// the S3 stage (COPY INTO @stage), publish loads the run's output from it (COPY INTO table) in one
// transaction with a publish marker, so a failed publish keeps the old rows and a repeat loads nothing.
import type { Connection, Pool } from 'snowflake-sdk';
import { randomUUID } from 'node:crypto';
import type { SnowflakeSettings } from './settings.js';
import { PublishError, QueryError } from '../errors.js';
import { parquetColumns } from '../../localEngine/parquetSchema.js';
import { createSnowflakePool, execute, type Row, type StatementOptions } from './connection.js';
import { sfIdentifier, sfQualified, sfSchemaOf } from './names.js';
import { createTableSql, loadSql, publishesTableSql, sfTypeFromDuckdb, unloadSql } from './statements.js';
import { describeResult } from './resultColumns.js';
import { projectForParquet, sfExactIdentifier, type ResultColumn } from './typeMapping.js';
import { stagedFilesFromUnload } from './unloadOutput.js';
import { loadStatements } from './loadStatements.js';
import { checkStageMatches } from './stageCheck.js';
import { claimMarkerSql, completeMarkerSql, lockMarkerSql, publishedCountSql } from './publishMarker.js';
import type { CheckQueryOptions, ExportRequest, PublishRequest, PublishResult, QueryOptions, StagedFile, Warehouse } from '../warehouse.js';
import { checkSnowflakeQuery } from './readOnly.js';

interface Session {
  run(sql: string, options?: StatementOptions): Promise<Row[]>;
  /** The query's result columns, from a zero-row run. */
  describe(query: string): Promise<ResultColumn[]>;
}

export class SnowflakeWarehouse implements Warehouse {
  private readonly pool: Pool<Connection>;

  constructor(private readonly settings: SnowflakeSettings) {
    this.pool = createSnowflakePool(settings);
  }

  describe(): string {
    return `snowflake:${this.settings.account}${this.settings.database ? `/${this.settings.database}` : ''}`;
  }

  /**
   * Borrows a pooled connection for one operation. Every statement carries the run's query tag and,
   * with useUtc, the UTC time zone as statement parameters. A run that picks another compute
   * warehouse than the configured one gets a connection that is closed afterwards, not pooled, so
   * its USE WAREHOUSE never carries over to another run's statements.
   */
  private async session<T>(
    tag: Record<string, string>,
    opts: { useUtc?: boolean; warehouse?: string },
    fn: (s: Session) => Promise<T>,
  ): Promise<T> {
    const parameters: Record<string, string> = { QUERY_TAG: JSON.stringify({ app: 'batch-inference', ...tag }) };
    if (opts.useUtc ?? true) parameters.TIMEZONE = 'UTC';
    // Every statement is one statement, whatever the account's default: user SQL cannot append a second.
    parameters.MULTI_STATEMENT_COUNT = '1';
    // A statement whose connection dropped (worker killed, network cut) is aborted by Snowflake
    // instead of running on and writing beside the retry's files (default FALSE).
    parameters.ABORT_DETACHED_QUERY = 'TRUE';
    const switches = opts.warehouse !== undefined && opts.warehouse.toUpperCase() !== this.settings.warehouse?.toUpperCase();
    const conn = await this.pool.acquire();
    let healthy = !switches;
    try {
      const session: Session = {
        run: (sql, o = {}) => execute(conn, sql, { ...o, parameters: { ...parameters, ...o.parameters } }),
        describe: (query) => describeResult(conn, query, parameters),
      };
      const warehouse = opts.warehouse ?? this.settings.warehouse;
      if (warehouse) await session.run(`USE WAREHOUSE ${sfIdentifier(warehouse)}`);
      return await fn(session);
    } catch (err) {
      // A connection that failed below SQL (network, session) is not handed to the next operation.
      if (!(err instanceof QueryError) && !(err instanceof PublishError)) healthy = false;
      throw err;
    } finally {
      if (healthy) await this.pool.release(conn);
      else await this.pool.destroy(conn);
    }
  }

  async checkReadOnlyQuery(sql: string, options: CheckQueryOptions = {}): Promise<void> {
    await this.session({ step: 'check-query' }, options, (s) => checkSnowflakeQuery(s, sql, options.field ?? 'inputQuery'));
  }

  async queryColumns(sql: string, options: CheckQueryOptions = {}): Promise<string[]> {
    return (await this.session({ step: 'query-columns' }, options, (s) => s.describe(sql))).map((c) => c.name);
  }

  async exportQuery(req: ExportRequest): Promise<StagedFile[]> {
    // Each attempt unloads into its own folder: a detached COPY of an earlier attempt that still runs
    // writes beside it, never among the files this attempt lists (the manifest names only those).
    const folder = `${req.prefix}/attempt-${randomUUID()}`;
    // Fails on a bad stage path before anything is deleted or sent.
    unloadSql(this.settings.stage, folder, req.sql, req.fileSizeBytes);
    // Files of an earlier attempt must not mix with this one's.
    await req.stage.deletePrefix(req.prefix);
    const rows = await this.session({ run: req.runId, step: 'export' }, req, async (s) => {
      // TIMESTAMP_TZ/LTZ cannot be unloaded to parquet: read the result's columns, project them to NTZ.
      const query = projectForParquet(req.sql, await s.describe(req.sql), req.useUtc);
      return s.run(unloadSql(this.settings.stage, folder, query, req.fileSizeBytes), { signal: req.signal });
    });
    // An empty result unloads no file; each row of DETAILED_OUTPUT names one file written.
    return stagedFilesFromUnload(rows, folder);
  }

  async publish(req: PublishRequest): Promise<PublishResult> {
    const table = sfQualified(req.table);
    const schema = sfSchemaOf(req.table);
    // Built before any statement: a run id the stage location cannot carry fails here, not after a DELETE.
    loadSql(req.table, this.settings.stage, req.prefix);
    const files = (await req.stage.list(req.prefix)).filter((o) => o.key.endsWith('.parquet'));
    // Exactly the listed files: a stray object under the prefix is neither loaded nor counted.
    const loads = loadStatements(
      req.table,
      this.settings.stage,
      req.prefix,
      files.map((f) => f.key),
    );
    return this.session({ run: req.runId, step: 'publish' }, req, async (s) => {
      /** The row count this publish recorded, when it has committed. */
      const published = async () => {
        const rows = await s.run(publishedCountSql(schema), { binds: [req.publishId] });
        return rows.length ? Number(rows[0].ROW_COUNT) : undefined;
      };
      // DDL commits on its own in Snowflake, so it happens before the transaction. The marker table
      // lives in the table's schema, which a new table may also need created first.
      if (schema && req.autoCreateTable) await createSchemaKeepingCurrent(s, schema);
      await s.run(publishesTableSql(schema));
      const done = await published();
      if (done !== undefined) return { table: req.table, rows: done, loaded: false };

      // Claimed before a table is created, so a failing claim leaves no table behind.
      await s.run(claimMarkerSql(schema), { binds: [req.publishId, req.runId, req.table] });
      const created = !(await tableExists(s, table)) && (await this.createTable(s, req, files[0]?.key));
      try {
        await s.run('BEGIN');
        // First a lock on the marker row, then the read: a concurrent attempt waits here until this one ends.
        await s.run(lockMarkerSql(schema), { binds: [req.runId, req.publishId] });
        const again = await published();
        if (again !== undefined) {
          await s.run('ROLLBACK');
          return { table: req.table, rows: again, loaded: false };
        }
        if (req.overwrite && !created) await s.run(`DELETE FROM ${table}`);
        let rows = 0;
        for (const load of loads) {
          const loaded = await s.run(load);
          rows += loaded.reduce((sum, r) => sum + Number(r.rows_loaded ?? r.ROWS_LOADED ?? 0), 0);
        }
        await s.run(completeMarkerSql(schema), { binds: [rows, req.publishId] });
        await s.run('COMMIT');
        return { table: req.table, rows, loaded: true };
      } catch (err) {
        await s.run('ROLLBACK').catch(() => {});
        // A COMMIT whose answer was lost may have landed: then the marker says so and the rows stay.
        // (null: the marker could not be read either, so the table is left alone.)
        const landed = await published().catch(() => null);
        if (landed !== undefined && landed !== null) return { table: req.table, rows: landed, loaded: true };
        // A table this publish created holds nothing worth keeping: a failed publish leaves no trace.
        if (created && landed === undefined) await s.run(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
        if (err instanceof QueryError)
          throw new PublishError(`Cannot load predictions into ${req.table}: ${err.reason}`, req.table, { cause: err });
        throw err;
      }
    });
  }

  /** Creates the table from the definition, else from the first output file's columns. */
  private async createTable(s: Session, req: PublishRequest, firstFile: string | undefined): Promise<boolean> {
    if (!req.autoCreateTable) {
      throw new PublishError(`Table ${req.table} does not exist: create it first or set autoCreateTable: true`);
    }
    let columns = req.definition;
    if (!columns) {
      if (!firstFile)
        throw new PublishError(`Run ${req.runId} produced no output files to create ${req.table} from; give outputTableDefinition`);
      const copy = await req.stage.localCopy(firstFile);
      try {
        columns = (await parquetColumns(copy.path)).map(({ name, type }) => [name, sfTypeFromDuckdb(type)]);
      } finally {
        await copy.release();
      }
    }
    await s.run(createTableSql(req.table, columns));
    return true;
  }

  async query(sql: string, options: QueryOptions = {}): Promise<Record<string, unknown>[]> {
    const limit = Math.floor(options.maxRows ?? 1000);
    return this.session({ step: 'query', ...(options.tag ? { tag: options.tag } : {}) }, options, (s) =>
      s.run(
        `SELECT * FROM (
${sql}
) LIMIT ${limit}`,
        { fetchAsString: ['Number', 'Date'], signal: options.signal },
      ),
    );
  }

  async tableHasRows(table: string, options: QueryOptions = {}): Promise<boolean> {
    const quoted = sfQualified(table);
    return this.session(
      { step: 'save-mode-check' },
      options,
      async (s) => (await tableExists(s, quoted)) && (await s.run(`SELECT 1 AS PRESENT FROM ${quoted} LIMIT 1`)).length > 0,
    );
  }

  async tableColumns(table: string, options: QueryOptions = {}): Promise<{ name: string; type: string }[] | null> {
    const quoted = sfQualified(table);
    return this.session({ step: 'output-columns-check' }, options, async (s) => {
      if (!(await tableExists(s, quoted))) return null;
      // DESCRIBE TABLE answers one row per column: name, type (e.g. NUMBER(38,0)), kind, ...
      return (await s.run(`DESCRIBE TABLE ${quoted}`)).map((r) => ({ name: String(r.name ?? r.NAME), type: String(r.type ?? r.TYPE) }));
    });
  }

  async preview(table: string, limit: number): Promise<Record<string, unknown>[]> {
    return this.session({ step: 'preview' }, {}, (s) => s.run(`SELECT * FROM ${sfQualified(table)} ORDER BY 1 LIMIT ${Math.floor(limit)}`));
  }

  /** Refuses to run when SNOWFLAKE_STAGE is not the BATCH_STAGE location (called at worker start). */
  async verifyStage(): Promise<void> {
    if (!this.settings.batchStage) return;
    const rows = await this.session({ step: 'stage-check' }, {}, (s) => s.run(`DESC STAGE ${sfQualified(this.settings.stage)}`));
    checkStageMatches(this.settings.stage, rows, this.settings.batchStage);
  }

  /** Closes idle connections; a login still being retried (Snowflake unreachable) is abandoned after a while. */
  async close(): Promise<void> {
    const bounded = (p: PromiseLike<unknown>) =>
      Promise.race([p, new Promise((resolve) => setTimeout(resolve, this.settings.connectTimeoutMs).unref())]);
    await bounded(this.pool.drain());
    await bounded(this.pool.clear());
  }
}

/**
 * CREATE SCHEMA makes the new schema the session's current one in Snowflake; unqualified names (the
 * stage, other runs' tables on this pooled connection) must keep resolving where they did.
 */
async function createSchemaKeepingCurrent(s: Session, schema: string): Promise<void> {
  const [current] = await s.run('SELECT CURRENT_DATABASE() AS DB, CURRENT_SCHEMA() AS SCH');
  await s.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  // The names come back exactly as stored (a database created as "Analytics" stays mixed-case): quote, never upper-case.
  if (current?.DB && current?.SCH)
    await s.run(`USE SCHEMA ${sfExactIdentifier(String(current.DB))}.${sfExactIdentifier(String(current.SCH))}`);
}

async function tableExists(s: Session, quotedTable: string): Promise<boolean> {
  try {
    await s.run(`SELECT 1 FROM ${quotedTable} LIMIT 0`);
    return true;
  } catch (err) {
    if (err instanceof QueryError && /does not exist|not authorized/i.test(err.message)) return false;
    throw err;
  }
}
