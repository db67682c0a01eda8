// `batch-inference worker`
import { NativeConnection } from '@temporalio/worker';
import { createWarehouse } from '../../../adapters/warehouse/registry.js';
import { BatchInferenceClient } from '../../../client.js';
import type { Config } from '../../../config.js';
import { createWorker } from '../../../worker.js';
import { installQuietRuntime } from '../../../temporal/runtime.js';
import { runningDevServer } from '../session.js';
import { stopSignal } from '../stopSignals.js';
import { EXIT_OK, UsageError } from '../usage.js';

export async function runWorkerUntilSignal(config: Config, address: string): Promise<void> {
  const stop = stopSignal();
  // Retention runs as a Schedule on this task queue; every worker makes sure it exists and carries its TTL.
  // A namespace that refuses schedules (permissions) still gets a working worker, with a warning.
  const scheduling = await BatchInferenceClient.connect({ ...config, temporal: { ...config.temporal, address } });
  try {
    await scheduling.ensureRetentionSchedule();
  } catch (err) {
    console.error(`Warning: cannot create the retention schedule (${(err as Error).message}); staged files will not expire`);
  } finally {
    await scheduling.close();
  }
  installQuietRuntime(); // before the first native object: the SDK logs only warnings
  const connection = await NativeConnection.connect({ address });
  const warehouse = await createWarehouse(config);
  const worker = await createWorker({ config, connection, warehouse });
  // On SIGINT/SIGTERM the worker drains: in-flight activities get the grace time, then are cancelled
  // and retried on the next worker. A signal during start-up stops it before it polls.
  const shutdown = () => worker.getState() === 'RUNNING' && worker.shutdown();
  stop.addEventListener('abort', shutdown, { once: true });
  try {
    if (!stop.aborted) await worker.run();
  } finally {
    // Pooled warehouse connections (Snowflake) close with the worker.
    await warehouse.close();
    await connection.close();
  }
}

export async function workerCommand(config: Config): Promise<number> {
  const dev = runningDevServer(config);
  const address = config.temporal.address ?? dev?.address;
  if (!address) throw new UsageError('Set TEMPORAL_ADDRESS (or start `batch-inference dev`) so the worker knows which server to poll');
  console.log(`Worker polling ${address}, task queue ${config.temporal.taskQueue}`);
  await runWorkerUntilSignal(config, address);
  return EXIT_OK;
}
