// fakesnow's Snowflake server (`pip install 'fakesnow[server]'`) as the peer for snowflake-sdk.
// fakesnow answers queries with Arrow rowsets, which the Node.js driver does not read (it asks for,
// and only decodes, JSON rowsets). A small HTTP relay in front re-encodes each Arrow result as the
// JSON rowset real Snowflake would send, and records every statement, so tests can assert the exact
// SQL sent for what fakesnow does not implement. Nothing else is changed on the way.
import { tableFromIPC } from 'apache-arrow';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createSnowflakePool, execute } from '../../src/adapters/warehouse/snowflake/connection.js';
import type { Warehouse } from '../../src/adapters/warehouse/warehouse.js';
import { loadConfig } from '../../src/config.js';
import type { SnowflakeSettings } from '../../src/adapters/warehouse/snowflake/settings.js';
import { freePort } from '../../src/temporal/devServer.js';

export interface SentStatement {
  sqlText: string;
  parameters?: Record<string, unknown>;
}

export interface FakesnowServer {
  /** Where snowflake-sdk connects: SNOWFLAKE_HOST/PORT/PROTOCOL. */
  host: string;
  port: number;
  /** Every statement the driver sent, in order. */
  statements: SentStatement[];
  /** How many cancel (abort-request) calls the driver sent. */
  aborts: number;
  /** The folder behind fakesnow's internal stage `db.schema.name`. */
  internalStageDir(database: string, schema: string, stage: string): string;
  stop(): Promise<void>;
}

interface RowType {
  name: string;
  type: string;
  scale?: number | null;
}

export async function startFakesnow(): Promise<FakesnowServer> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-fakesnow-'));
  const upstreamPort = await freePort();
  const child = spawn('fakesnow', ['-s', '-p', String(upstreamPort)], {
    // fakesnow keeps internal stages under a fakesnow_bucket_* folder of TMPDIR.
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`fakesnow exited (${child.exitCode}):\n${stderr}`);
    try {
      await fetch(`http://127.0.0.1:${upstreamPort}/`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`fakesnow did not start within 30 s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const statements: SentStatement[] = [];
  const relay = http.createServer((req, res) => {
    forward(req, res).catch((err) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: false, code: '000000', message: `fakesnow relay: ${(err as Error).stack}` }));
    });
  });
  const forward = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const isQuery = req.url?.startsWith('/queries/v1/query-request');
    if (req.url?.startsWith('/queries/v1/abort-request')) server.aborts++;
    if (isQuery) {
      const json = JSON.parse((req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(body) : body).toString());
      statements.push({ sqlText: json.sqlText, parameters: json.parameters });
    }
    const headers = { ...req.headers } as Record<string, string>;
    delete headers['content-length'];
    delete headers['accept-encoding'];
    const upstream = await fetch(`http://127.0.0.1:${upstreamPort}${req.url}`, {
      method: req.method,
      headers,
      body: ['GET', 'HEAD'].includes(req.method!) ? undefined : body,
    });
    let text = await upstream.text();
    let status = upstream.status;
    if (isQuery && status === 500 && text.includes('Unhandled exception')) {
      // fakesnow answers a statement it does not implement with a 500, which the driver retries for
      // minutes; Snowflake would answer an error at once. Say so, as a 'feature not supported' error.
      status = 200;
      const message = `fakesnow does not implement this statement: ${(JSON.parse(text) as { message: string }).message}`;
      text = JSON.stringify({ success: false, code: '000002', message, data: { errorCode: '000002', sqlState: '0A000' } });
    } else if (isQuery) {
      text = JSON.stringify(toJsonRowset(JSON.parse(text)));
    }
    res.writeHead(status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(text);
  };
  const port = await freePort();
  await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));

  const server: FakesnowServer = {
    host: '127.0.0.1',
    port,
    statements,
    aborts: 0,
    internalStageDir(database, schema, stage) {
      const bucket = fs.readdirSync(tmp).find((n) => n.startsWith('fakesnow_bucket_'));
      if (!bucket) throw new Error(`fakesnow made no bucket folder in ${tmp}`);
      return path.join(tmp, bucket, database.toUpperCase(), schema.toUpperCase(), stage.toUpperCase());
    },
    async stop() {
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  return server;
}

/** An Arrow-encoded result becomes Snowflake's JSON rowset: every value a string in Snowflake's wire form. */
function toJsonRowset(response: { data?: Record<string, unknown> }) {
  const data = response.data;
  if (!data) return response;
  // fakesnow leaves `returned` out of JSON (DML) results; Snowflake sends it and the driver waits for it.
  if (data.queryResultFormat === 'json') return { ...response, data: { ...data, returned: (data.rowset as unknown[]).length } };
  if (data.queryResultFormat !== 'arrow') return response;
  const rowtype = (data.rowtype ?? []) as RowType[];
  const encoded = String(data.rowsetBase64 ?? '');
  const rowset: (string | null)[][] = [];
  if (encoded) {
    const table = tableFromIPC(Buffer.from(encoded, 'base64'));
    for (let r = 0; r < table.numRows; r++) {
      rowset.push(rowtype.map((col, c) => wireValue(table.getChildAt(c)!.get(r), col)));
    }
  }
  const { rowsetBase64: _dropped, ...rest } = data;
  return { ...response, data: { ...rest, queryResultFormat: 'json', rowset, total: rowset.length, returned: rowset.length } };
}

function wireValue(value: unknown, col: RowType): string | null {
  if (value === null || value === undefined) return null;
  const type = col.type.toLowerCase();
  if (type === 'boolean') return value ? '1' : '0';
  if (type === 'date') return String(Math.round(Number(value instanceof Date ? value.getTime() : value) / 86_400_000));
  if (type.startsWith('timestamp')) {
    const v = (value as { toJSON(): Record<string, unknown> }).toJSON();
    if (v.epoch === null || v.epoch === undefined) return null;
    const secs = `${BigInt(v.epoch as bigint)}.${String(v.fraction).padStart(9, '0')}`;
    return type === 'timestamp_tz' ? `${secs} ${v.timezone}` : secs;
  }
  if (type === 'time') {
    const nanos = BigInt(value as bigint);
    return `${nanos / 1_000_000_000n}.${String(nanos % 1_000_000_000n).padStart(9, '0')}`;
  }
  if (type === 'fixed' && col.scale && typeof value === 'object') {
    // decimal128 arrives as its unscaled integer; place the point.
    const digits = String(value).padStart(col.scale + 1, '0');
    return `${digits.slice(0, -col.scale)}.${digits.slice(-col.scale)}`;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return String(value);
}

export interface FakesnowAccount {
  /** Worker settings pointing snowflake-sdk at the relay: database BI, schema DEV, warehouse SCORING_WH, stage BI_STAGE. */
  settings: SnowflakeSettings;
  /** Runs SQL as an administrator would, outside the code under test. */
  admin(sql: string): Promise<Record<string, unknown>[]>;
  /** The folder behind the stage BI_STAGE (URL file://…): a LocalStage here is what COPY INTO reads. */
  stageDir: string;
  close(): Promise<void>;
}

/** Database BI, schema DEV and stage BI_STAGE (over a local folder) on fakesnow, with the worker's settings. */
export async function fakesnowAccount(fk: FakesnowServer): Promise<FakesnowAccount> {
  const config = loadConfig({
    BATCH_WAREHOUSE: 'snowflake',
    BATCH_STAGE: 's3://unused/batch',
    SNOWFLAKE_ACCOUNT: 'fake',
    SNOWFLAKE_USER: 'worker',
    SNOWFLAKE_PASSWORD: 'secret',
    SNOWFLAKE_DATABASE: 'BI',
    SNOWFLAKE_SCHEMA: 'DEV',
    SNOWFLAKE_WAREHOUSE: 'SCORING_WH',
    SNOWFLAKE_STAGE: 'BI_STAGE',
    SNOWFLAKE_HOST: fk.host,
    SNOWFLAKE_PORT: String(fk.port),
    SNOWFLAKE_PROTOCOL: 'http',
  });
  if (config.warehouse.kind !== 'snowflake') throw new Error('expected a snowflake config');
  const pool = createSnowflakePool(config.warehouse);
  const admin = (sql: string) => pool.use((conn) => execute(conn, sql));
  await admin('CREATE DATABASE IF NOT EXISTS BI');
  await admin('CREATE SCHEMA IF NOT EXISTS BI.DEV');
  // A stage over a URL, as the S3 stage is in production: fakesnow reads FILES = (…) only from a URL
  // stage, and a file:// URL is a folder our LocalStage can write.
  const stageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-fakesnow-stage-'));
  await admin(`CREATE STAGE IF NOT EXISTS BI.DEV.BI_STAGE URL = 'file://${stageDir}/'`);
  return {
    settings: config.warehouse,
    admin,
    stageDir,
    async close() {
      await pool.drain();
      await pool.clear();
      fs.rmSync(stageDir, { recursive: true, force: true });
    },
  };
}

/**
 * A warehouse that exports with DuckDB (into the folder behind fakesnow's stage) and does everything
 * else on Snowflake: fakesnow cannot unload, so whole runs use DuckDB's export and Snowflake's publish.
 */
export function duckdbExportThenSnowflake(duckdb: Warehouse, snowflake: Warehouse): Warehouse {
  return {
    describe: () => snowflake.describe(),
    // Each query is judged by the parser of the warehouse that runs it: a sensor's (data.query) runs
    // on Snowflake, a run's input on DuckDB's export.
    checkReadOnlyQuery: (sql, options) => (options?.field === 'data.query' ? snowflake : duckdb).checkReadOnlyQuery(sql, options),
    exportQuery: (req) => duckdb.exportQuery(req),
    publish: (req) => snowflake.publish(req),
    query: (sql, options) => snowflake.query(sql, options),
    tableHasRows: (table, options) => snowflake.tableHasRows(table, options),
    preview: (table, limit) => snowflake.preview(table, limit),
    close: () => snowflake.close(),
  };
}
