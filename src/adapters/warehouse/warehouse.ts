// The warehouse runs the source query and receives the predictions.
import type { ColumnDefinition } from '../../spec/types.js';
import type { Stage } from '../stage/stage.js';

export interface ExportRequest {
  runId: string;
  sql: string;
  stage: Stage;
  /** Stage prefix that receives the parquet files; replaced whole on every attempt. */
  prefix: string;
  /** Target size of each parquet file. */
  fileSizeBytes: number;
  useUtc: boolean;
  warehouse?: string;
  /** Aborted when the export must stop (cancel, timeoutMinutes): the running statement is interrupted. */
  signal?: AbortSignal;
}

export interface PublishRequest {
  runId: string;
  /** Names this execution's publish: a repeat with the same id loads nothing. */
  publishId: string;
  table: string;
  definition?: ColumnDefinition[];
  autoCreateTable: boolean;
  overwrite: boolean;
  stage: Stage;
  /** Stage prefix holding the run's output parquet files. */
  prefix: string;
  useUtc: boolean;
  warehouse?: string;
}

/** One parquet file an export wrote to the stage: its key, size and rows. */
export interface StagedFile {
  key: string;
  bytes: number;
  rows: number;
}

export interface PublishResult {
  table: string;
  rows: number;
  /** False when this run had already been published (a repeated publish changes nothing). */
  loaded: boolean;
}

export interface QueryOptions {
  useUtc?: boolean;
  warehouse?: string;
  /** Names the statement in the warehouse's query history (Snowflake's query tag). */
  tag?: string;
  /** At most this many rows come back. */
  maxRows?: number;
  /** Aborted when the answer is no longer wanted: the running statement is interrupted. */
  signal?: AbortSignal;
}

export interface CheckQueryOptions extends QueryOptions {
  /** The spec field that holds the SQL, named in a refusal (default inputQuery). */
  field?: string;
}

export interface Warehouse {
  describe(): string;
  /**
   * Refuses (QueryRefusedError) SQL that the warehouse's own parser does not see as exactly one
   * read-only statement, before it is embedded in an export or a count. Runs nothing.
   */
  checkReadOnlyQuery(sql: string, options?: CheckQueryOptions): Promise<void>;
  /** The names of the columns a read-only query returns, read from the warehouse's compiled statement; no rows are read. */
  queryColumns?(sql: string, options?: CheckQueryOptions): Promise<string[]>;
  /**
   * Runs a query whose result is small (a sensor's watched value, a row count) and returns its rows
   * as JSON-safe objects. Errors a retry cannot fix are QueryErrors.
   */
  query(sql: string, options?: QueryOptions): Promise<Record<string, unknown>[]>;
  /** Unloads the query as parquet under request.prefix and says what it wrote: key, size and rows of each file. */
  exportQuery(request: ExportRequest): Promise<StagedFile[]>;
  /** Loads the run's output into the table in one transaction; repeating it for a run changes nothing. */
  publish(request: PublishRequest): Promise<PublishResult>;
  /** Whether the table exists and holds at least one row (saveMode "error"); names are quoted the warehouse's way. */
  tableHasRows(table: string, options?: QueryOptions): Promise<boolean>;
  /** The table's columns and their warehouse types, or null when there is no such table. */
  tableColumns?(table: string, options?: QueryOptions): Promise<{ name: string; type: string }[] | null>;
  /** Checks, once at worker start, that the warehouse reads and writes the same stage the workers use. */
  verifyStage?(): Promise<void>;
  /** The first rows of a table, ordered by its first column: what the CLI shows after a run. */
  preview(table: string, limit: number): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}
