// `batch-inference worker`
import { NativeConnection } from '@temporalio/worker';
import { createWarehouse } from '../../../adapters/warehouse/index.js';
import type { Config } from '../../../config.js';
import { createWorker } from '../../../worker.js';
import { runningDevServer } from '../session.js';
import { EXIT_OK, UsageError } from '../usage.js';

export async function runWorkerUntilSignal(config: Config, address: string): Promise<void> {
  const connection = await NativeConnection.connect({ address });
  const warehouse = await createWarehouse(config);
  const worker = await createWorker({ config, connection, warehouse });
  try {
    // The SDK shuts the worker down gracefully on SIGINT/SIGTERM: in-flight activities finish or time out.
    await worker.run();
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
