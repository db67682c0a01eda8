// snowflake-sdk behind promises: one pool per worker process, statements with binds and
// per-statement parameters (query tag, time zone), and errors sorted into the ones a retry can
// fix (dropped connections, expired sessions) and the ones it cannot (SQL the user must change).
import os from 'node:os';
import snowflake, { type Bind, type Connection, type Pool } from 'snowflake-sdk';
import type { SnowflakeSettings } from './settings.js';
import { QueryError } from '../errors.js';
import { classifyBySqlState } from './retryClassification.js';
import { cancelOnAbort } from './statementCancel.js';

export type Row = Record<string, unknown>;

export interface StatementOptions {
  binds?: Bind[];
  /** Session parameters for this statement only, e.g. QUERY_TAG and TIMEZONE: nothing leaks between runs. */
  parameters?: Record<string, string>;
  /** Column types that come back as strings (exact numbers and dates for comparisons). */
  fetchAsString?: ('Number' | 'Date' | 'JSON')[];
  /** Compile only: Snowflake parses and binds the statement and runs nothing. */
  describeOnly?: boolean;
  /** Cancels the running statement in Snowflake when aborted (a run's cancel or timeoutMinutes). */
  signal?: AbortSignal;
}

let configured = false;

export function createSnowflakePool(settings: SnowflakeSettings): Pool<Connection> {
  if (!configured) {
    // The driver would write snowflake.log into the working folder; errors reach users through us,
    // so its own log (errors only, never credentials) goes to the temp folder.
    snowflake.configure({ logLevel: 'ERROR', logFilePath: os.tmpdir(), additionalLogToConsole: false });
    configured = true;
  }
  const auth = settings.privateKeyPath
    ? { authenticator: 'SNOWFLAKE_JWT', privateKeyPath: settings.privateKeyPath, privateKeyPass: settings.privateKeyPassphrase }
    : { password: settings.password };
  return snowflake.createPool(
    {
      account: settings.account,
      username: settings.username,
      ...auth,
      role: settings.role,
      database: settings.database,
      schema: settings.schema,
      warehouse: settings.warehouse,
      accessUrl: settings.accessUrl,
      application: 'batch-inference',
    },
    // Without an acquire timeout the pool would retry a failing login forever and the activity would
    // hang; with it the operation fails as transient and Temporal retries it with backoff.
    {
      max: settings.poolSize,
      min: 0,
      acquireTimeoutMillis: settings.connectTimeoutMs,
      evictionRunIntervalMillis: 60_000,
      idleTimeoutMillis: 300_000,
    },
  );
}

export function execute(conn: Connection, sqlText: string, options: StatementOptions = {}): Promise<Row[]> {
  options.signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    let stopListening = () => {};
    const stmt = conn.execute({
      sqlText,
      binds: options.binds,
      parameters: options.parameters,
      fetchAsString: options.fetchAsString,
      ...(options.describeOnly ? { describeOnly: true } : {}),
      complete: (err, _stmt, rows) => {
        stopListening();
        if (err) reject(classify(err, sqlText));
        else resolve((rows ?? []) as Row[]);
      },
    });
    if (options.signal) stopListening = cancelOnAbort(stmt, sqlText, options.signal, reject);
  });
}

interface DriverError extends Error {
  code?: string | number;
  sqlState?: string;
}

/**
 * SQL errors (SQLSTATE class 42 syntax/access/missing object, 22 data, 0A not supported) become
 * QueryErrors: non-retryable, their message shown to the user. Anything else stays a plain Error,
 * which Temporal retries.
 */
export function classify(err: DriverError, sqlText: string): Error {
  const known = classifyBySqlState(err, sqlText);
  if (known) return known;
  const state = err.sqlState ?? '';
  if (/^(42|22|0A)/.test(state) || /SQL compilation error/i.test(err.message)) {
    return new QueryError({
      warehouse: 'Snowflake',
      sql: sqlText,
      sqlState: state || String(err.code ?? ''),
      reason: err.message,
      cause: err,
    });
  }
  const transient = new Error(`Snowflake request failed (${err.code ?? 'no code'}): ${err.message}`);
  transient.name = 'SnowflakeTransientError';
  return transient;
}
