// Where the CLI's Temporal comes from: TEMPORAL_ADDRESS, else a `batch-inference dev` server already
// running on this machine, else an ephemeral dev server (state kept in .data/) for this command only.
import type { NativeConnection, Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import { createWarehouse } from '../../adapters/warehouse/registry.js';
import type { Warehouse } from '../../adapters/warehouse/warehouse.js';
import { BatchInferenceClient } from '../../client.js';
import type { Config } from '../../config.js';
import { startDevServer, type DevServer } from '../../temporal/devServer.js';

export interface DevState {
  address: string;
  uiUrl?: string;
  pid: number;
  taskQueue: string;
}

export const devStatePath = (config: Config) => path.join(config.dataDir, 'dev-server.json');
export const temporalDbPath = (config: Config) => path.join(config.dataDir, 'temporal.db');

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The `dev` server of this folder, if one is running. */
export function runningDevServer(config: Config): DevState | undefined {
  try {
    const state = JSON.parse(fs.readFileSync(devStatePath(config), 'utf8')) as DevState;
    return processAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

export interface Session {
  client: BatchInferenceClient;
  config: Config;
  /** True when a worker is polling the task queue: ours, a dev server's, or (with an address) assumed. */
  hasWorker: boolean;
  /** True when this command started its own Temporal server, which stops when the command ends. */
  ephemeral: boolean;
  warehouse: Warehouse;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** 'always': run a worker in this process; 'if-ephemeral': only when no other server exists. */
  worker: 'always' | 'if-ephemeral' | 'never';
  taskQueue?: string;
  /** A stop (SIGINT/SIGTERM) during start-up: an ephemeral server being started is killed, and this rejects. */
  signal?: AbortSignal;
}

export async function openSession(config: Config, options: SessionOptions): Promise<Session> {
  let server: DevServer | undefined;
  let address = config.temporal.address;
  let hasWorker = Boolean(address);
  if (!address) {
    const dev = runningDevServer(config);
    if (dev) {
      address = dev.address;
      hasWorker = true;
      config = { ...config, temporal: { ...config.temporal, taskQueue: dev.taskQueue } };
    } else {
      server = await startDevServer({
        cli: config.temporal.cli,
        dbFile: temporalDbPath(config),
        logFile: path.join(config.dataDir, 'temporal.log'),
        signal: options.signal,
      });
      address = server.address;
    }
  }
  const taskQueue = options.taskQueue ?? config.temporal.taskQueue;
  config = { ...config, temporal: { ...config.temporal, address, taskQueue } };
  const connection = await Connection.connect({ address });
  const client = new BatchInferenceClient(new Client({ connection, namespace: config.temporal.namespace }), config);
  const warehouse = await createWarehouse(config);

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let native: NativeConnection | undefined;
  if (options.worker === 'always' || (options.worker === 'if-ephemeral' && server)) {
    // Imported only for a worker, so that `status` and `deploy` do not load the worker SDK, webpack or the activities.
    const [{ NativeConnection }, { createStage }, { createWorker }, { installQuietRuntime }] = await Promise.all([
      import('@temporalio/worker'),
      import('../../adapters/stage/registry.js'),
      import('../../worker.js'),
      import('../../temporal/runtime.js'),
    ]);
    installQuietRuntime();
    native = await NativeConnection.connect({ address });
    worker = await createWorker({ config, connection: native, warehouse, stage: await createStage(config), taskQueue });
    running = worker.run();
    hasWorker = true;
  }
  return {
    client,
    config,
    hasWorker,
    ephemeral: Boolean(server),
    warehouse,
    async close() {
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await running?.catch(() => {});
      await native?.close().catch(() => {});
      await connection.close().catch(() => {});
      await server?.stop();
    },
  };
}
