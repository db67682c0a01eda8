// Kafka destination benchmark: the same scoring run published to a table, to a 1-partition topic and to a
// 6-partition topic, in one process on one machine, against a real broker (test/support/kafkaBroker.ts).
//   npx tsx bench/kafka.ts [rows, default 1000000]
// Reports end-to-end rows/s and the publish phase (completing) of each run.
import { NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { DuckDBWarehouse } from '../src/adapters/warehouse/duckdb/duckdbWarehouse.js';
import { BatchInferenceClient } from '../src/client.js';
import { loadConfig } from '../src/config.js';
import { benchSpec } from '../src/doors/cli/commands/bench.js';
import { startDevServer } from '../src/temporal/devServer.js';
import { installQuietRuntime } from '../src/temporal/runtime.js';
import { createWorker } from '../src/worker.js';
import { startKafkaBroker } from '../test/support/kafkaBroker.js';

installQuietRuntime('ERROR');
const rows = Number((process.argv[2] ?? '1000000').replace(/_/g, ''));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bi-kafka-bench-'));
const broker = await startKafkaBroker();
const server = await startDevServer({ cli: process.env.TEMPORAL_CLI ?? 'temporal' });
try {
  const config = loadConfig({
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: 'kafka-bench',
    BATCH_WAREHOUSE: `duckdb:${path.join(dir, 'warehouse.duckdb')}`,
    BATCH_STAGE: `file:${path.join(dir, 'stage')}`,
    BATCH_DATA_DIR: dir,
    BATCH_KAFKA_BROKERS: broker.brokers,
    BATCH_MAX_INPUT_ROWS: String(Math.max(rows, 10_000_000)),
  });
  const warehouse = new DuckDBWarehouse(path.join(dir, 'warehouse.duckdb'));
  await warehouse.withConnection(async (conn) => {
    await conn.run('CREATE SCHEMA IF NOT EXISTS bench');
    await conn.run(`CREATE OR REPLACE TABLE bench.features_${rows} AS
      SELECT i::BIGINT AS id,
        CASE WHEN i % 13 = 0 THEN NULL ELSE ((i * 7919) % 10007) / 10007.0 END::DOUBLE AS feature_1,
        CASE WHEN i % 17 = 0 THEN NULL ELSE ((i * 104729) % 9973) / 9973.0 END::DOUBLE AS feature_2
      FROM range(${rows}) r(i)`);
  });
  const admin = new Kafka({ brokers: [broker.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: 'p1', numPartitions: 1 },
      { topic: 'p6', numPartitions: 6 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();

  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await createWorker({ config, connection, warehouse });
  const running = worker.run();
  const client = new BatchInferenceClient(new Client({ connection: await Connection.connect({ address: server.address }) }), config);
  const kafkaSpec = (topic: string) => ({
    ...benchSpec(rows),
    outputTableName: undefined,
    outputTableDefinition: undefined,
    outputDestination: 'kafka',
    kafka: { topic },
  });
  const lines: string[] = [];
  for (const [name, spec] of [
    ['table', benchSpec(rows)],
    ['kafka, 1 partition', kafkaSpec('p1')],
    ['kafka, 6 partitions', kafkaSpec('p6')],
  ] as const) {
    const start = performance.now();
    const { runId } = await client.startBatchInference(spec);
    const summary = await client.waitForResult(runId);
    const s = (performance.now() - start) / 1000;
    const publish = summary.durations.completingMs / 1000;
    lines.push(
      `| ${name} | ${rows.toLocaleString('en-US')} | ${s.toFixed(1)} s | ${Math.round(rows / s).toLocaleString('en-US')} | ${publish.toFixed(1)} s | ${Math.round(rows / publish).toLocaleString('en-US')} |`,
    );
    console.error(lines.at(-1));
  }
  worker.shutdown();
  await running;
  await connection.close();
  console.log(
    [
      `Machine: ${os.cpus().length} cores, Node ${process.version}; one Kafka ${'4.1.1'} broker (KRaft) on loopback; linear-demo; parallelWorkers ${benchSpec(1).parallelWorkers}`,
      '',
      '| destination | rows | end to end | rows/s | publish (completing) | publish rows/s |',
      '|---|---:|---:|---:|---:|---:|',
      ...lines,
    ].join('\n'),
  );
} finally {
  await server.stop();
  await broker.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
