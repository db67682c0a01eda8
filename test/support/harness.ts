// Per-file test harness: a fresh warehouse file and stage folder, a worker on its own task queue,
// and a client, all against the shared dev server.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { createStage } from '../../src/adapters/stage/registry.js';
import { LocalStage } from '../../src/adapters/stage/local/localStage.js';
import type { Stage } from '../../src/adapters/stage/stage.js';
import type { Warehouse } from '../../src/adapters/warehouse/warehouse.js';
import { DuckDBWarehouse } from '../../src/adapters/warehouse/duckdb/duckdbWarehouse.js';
import { BatchInferenceClient } from '../../src/client.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { PredictorMap } from '../../src/predictors/types.js';
import { installQuietRuntime } from '../../src/temporal/runtime.js';
import { createWorker } from '../../src/worker.js';

// Failures are the point of several tests: only errors from the SDK itself are worth printing.
installQuietRuntime('ERROR');

export interface Harness<S extends Stage = LocalStage> {
  dir: string;
  config: Config;
  stage: S;
  warehouse: DuckDBWarehouse;
  client: BatchInferenceClient;
  temporal: Client;
  taskQueue: string;
  startWorker(options?: {
    predictors?: PredictorMap;
    batchRows?: number;
    warehouse?: Warehouse;
    stage?: Stage;
  }): Promise<{ worker: Worker; running: Promise<void>; stop(): Promise<void> }>;
  sql<T = Record<string, unknown>>(query: string): Promise<T[]>;
  close(): Promise<void>;
}

/** With env.BATCH_STAGE=s3://… (and AWS_* settings) the stage is S3; otherwise a folder in the test's tmp dir. */
export async function createHarness(env?: Record<string, string>): Promise<Harness>;
export async function createHarness<S extends Stage>(env: Record<string, string>): Promise<Harness<S>>;
export async function createHarness(env: Record<string, string> = {}): Promise<Harness<Stage>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-test-'));
  const taskQueue = `test-${randomUUID()}`;
  // TEMPORAL_ADDRESS lets a script outside vitest (test/support/recordHistories.ts) use the harness.
  const address = env.TEMPORAL_ADDRESS ?? inject('temporalAddress');
  const config = loadConfig({
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    BATCH_WAREHOUSE: `duckdb:${path.join(dir, 'warehouse.duckdb')}`,
    BATCH_STAGE: `file:${path.join(dir, 'stage')}`,
    BATCH_DATA_DIR: path.join(dir, 'data'),
    ...env,
  });
  const stage = config.stage.kind === 'file' ? new LocalStage(config.stage.root) : await createStage(config);
  const warehouse = new DuckDBWarehouse(path.join(dir, 'warehouse.duckdb'));
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection });
  const client = new BatchInferenceClient(temporal, config);
  const nativeConnection = await NativeConnection.connect({ address });
  const workers: { worker: Worker; running: Promise<void> }[] = [];

  return {
    dir,
    config,
    stage,
    warehouse,
    client,
    temporal,
    taskQueue,
    async startWorker(options = {}) {
      const worker = await createWorker({
        config,
        connection: nativeConnection,
        stage: options.stage ?? stage,
        warehouse: options.warehouse ?? warehouse,
        taskQueue,
        predictors: options.predictors,
        batchRows: options.batchRows,
      });
      const running = worker.run();
      workers.push({ worker, running });
      return {
        worker,
        running,
        stop: async () => {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
        },
      };
    },
    sql: <T>(query: string) => warehouse.withConnection(async (conn) => (await conn.runAndReadAll(query)).getRowObjectsJS() as T[]),
    async close() {
      for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.allSettled(workers.map((w) => w.running));
      await nativeConnection.close().catch(() => {});
      await connection.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
