// `batch-inference dev`: a local Temporal dev server with its Web UI and a worker, until Ctrl-C.
import fs from 'node:fs';
import type { Config } from '../../../config.js';
import { freePort, startDevServer } from '../../../temporal/devServer.js';
import { devStatePath, runningDevServer, temporalDbPath, type DevState } from '../session.js';
import { EXIT_OK, UsageError } from '../usage.js';
import { runWorkerUntilSignal } from './worker.js';

export async function devCommand(config: Config): Promise<number> {
  const existing = runningDevServer(config);
  if (existing) throw new UsageError(`A dev server is already running (pid ${existing.pid}) at ${existing.address}`);
  fs.mkdirSync(config.dataDir, { recursive: true });
  // The usual ports when they are free, so the Web UI is where people expect it.
  const server = await startDevServer({
    cli: config.temporal.cli,
    dbFile: temporalDbPath(config),
    ui: true,
    port: await freePort(7233),
    uiPort: await freePort(8233),
  });
  const state: DevState = { address: server.address, uiUrl: server.uiUrl, pid: process.pid, taskQueue: config.temporal.taskQueue };
  fs.writeFileSync(devStatePath(config), JSON.stringify(state, null, 2));
  const cleanup = () => fs.rmSync(devStatePath(config), { force: true });
  process.once('exit', cleanup);
  console.log(`Temporal dev server: ${server.address}`);
  console.log(`Web UI:              ${server.uiUrl}`);
  console.log(`From another shell:  export TEMPORAL_ADDRESS=${server.address}`);
  console.log(`Worker on task queue ${config.temporal.taskQueue}; Ctrl-C stops everything.`);
  try {
    await runWorkerUntilSignal({ ...config, temporal: { ...config.temporal, address: server.address } }, server.address);
  } finally {
    cleanup();
    await server.stop();
  }
  return EXIT_OK;
}
