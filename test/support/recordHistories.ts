// Records the histories test/replay.test.ts replays: real runs of today's workflows on a real worker.
//   npx tsx test/support/recordHistories.ts            (starts its own dev server)
//   TEMPORAL_ADDRESS=host:port npx tsx test/support/recordHistories.ts
// Takes about 11 minutes: a tenant's slots workflow ends only after 10 idle minutes, and that ending is
// one of the recorded histories. Re-record only on purpose (a new scenario, or a change shipped with
// patched()): the files are the runs already in flight that new code must still replay.
import type { WorkflowHandle } from '@temporalio/client';
import type * as arrow from 'apache-arrow';
import fs from 'node:fs';
import path from 'node:path';
import { linearDemo } from '../../src/predictors/linearDemo.js';
import { startDevServer } from '../../src/temporal/devServer.js';
import { CLEANUP_WORKFLOW_TYPE } from '../../src/workflows/retention/contract.js';
import { slotsQuery, slotsWorkflowId } from '../../src/workflows/slots/contract.js';
import { sensorStateWorkflowId } from '../../src/workflows/sensors/contract.js';
import { gatedPredictor } from '../fixtures/gatedPredictor.js';
import { createFeatures, seedSpec } from './data.js';
import { createHarness, type Harness } from './harness.js';
import { childIds, HISTORIES_DIR, writeHistory } from './histories.js';
import { trigger } from './schedules.js';
import { deploySensor } from './sensors.js';
import { until } from './wait.js';

const IDLE_WAIT_MS = 12 * 60_000;

async function main(): Promise<void> {
  const server = process.env.TEMPORAL_ADDRESS ? undefined : await startDevServer({ cli: process.env.TEMPORAL_CLI ?? 'temporal' });
  const address = process.env.TEMPORAL_ADDRESS ?? server!.address;
  const h = await createHarness({ TEMPORAL_ADDRESS: address, BATCH_MAX_CONCURRENT_JOBS: '1' });
  try {
    fs.mkdirSync(HISTORIES_DIR, { recursive: true });
    for (const f of fs.readdirSync(HISTORIES_DIR)) if (f.endsWith('.json')) fs.rmSync(path.join(HISTORIES_DIR, f));
    await record(h);
  } finally {
    await h.close();
    await server?.stop();
  }
}

/** Saves a run and every child it started (its scoreSlice children; a sensor's run and its children). */
async function saveTree(h: Harness, name: string, handle: WorkflowHandle): Promise<void> {
  const history = await writeHistory(`${name}.json`, handle);
  console.log(`recorded ${name}`);
  for (const [i, id] of childIds(history).entries()) {
    const child = h.temporal.workflow.getHandle(id);
    const kind = id.includes('-worker-') ? `slice${id.split('-worker-')[1]}` : `child${i}`;
    await saveTree(h, `${name}.${kind}`, child);
  }
}

async function record(h: Harness): Promise<void> {
  const gate = gatedPredictor();
  const shortRows = (input: arrow.Table) => {
    const out = linearDemo(input) as Record<string, arrow.Vector | Float64Array | Int32Array>;
    return { id: out.id, score: (out.score as Float64Array).subarray(1), label: out.label };
  };
  // 400 rows, 200 per ds: small histories, yet two slices of one chunk each with parallelWorkers 2.
  await createFeatures(h, 400);
  await h.startWorker({ predictors: { gated: gate.gated, shortRows }, batchRows: 64 });
  const handle = (runId: string) => h.temporal.workflow.getHandle(runId);
  const state = async (runId: string) => (await h.client.getProgress(runId)).state;
  const running = (runId: string) => until(async () => ((await state(runId)) === 'running' ? true : undefined), 60_000, `${runId} running`);
  const small = (overrides: Record<string, unknown>) =>
    seedSpec({ parallelWorkers: 2, batchSizeInMb: 0.001, heartbeatTimeout: 2, ...overrides });

  // A completed run to a table, with a tenant: BatchTenant/BatchState present, so its states are upserted.
  const tenantRun = await h.client.startBatchInference(small({ outputTableName: 'REPLAY_TENANT' }), { tenant: 'acme' });
  console.log('tenant run', await h.client.waitForResult(tenantRun.runId));
  await saveTree(h, 'batchInference-completed-table-tenant', handle(tenantRun.runId));

  const parquetRun = await h.client.startBatchInference(
    small({ outputTableName: undefined, outputDestination: 'parquet', outputPath: 'results/replay', saveMode: 'overwrite' }),
  );
  await h.client.waitForResult(parquetRun.runId);
  await saveTree(h, 'batchInference-completed-parquet', handle(parquetRun.runId));

  // The predictor returns one row short: a non-retryable PredictorOutputError.
  const failedRun = await h.client.startBatchInference(small({ predictor: 'shortRows', outputTableName: 'REPLAY_FAILED' }));
  await h.client.waitForResult(failedRun.runId).then(
    () => Promise.reject(new Error('shortRows run should fail')),
    () => {},
  );
  await saveTree(h, 'batchInference-failed-predictor-output', handle(failedRun.runId));

  const cancelledRun = await h.client.startBatchInference(small({ predictor: 'gated', outputTableName: 'REPLAY_CANCELLED' }));
  await running(cancelledRun.runId);
  await h.client.cancelRun(cancelledRun.runId);
  await h.client.waitForResult(cancelledRun.runId).then(
    () => Promise.reject(new Error('cancelled run should not complete')),
    () => {},
  );
  await saveTree(h, 'batchInference-cancelled-scoring', handle(cancelledRun.runId));

  // Never opened: only timeoutMinutes (1.8 s) ends it.
  const timedOutRun = await h.client.startBatchInference(
    small({ predictor: 'gated', outputTableName: 'REPLAY_TIMEOUT', timeoutMinutes: 0.03 }),
  );
  await h.client.waitForResult(timedOutRun.runId).then(
    () => Promise.reject(new Error('timed-out run should fail')),
    () => {},
  );
  await saveTree(h, 'batchInference-timeout', handle(timedOutRun.runId));

  // Tenant "queue" has one slot: B waits in submitted until A, gated, is let go.
  const a = await h.client.startBatchInference(small({ predictor: 'gated', outputTableName: 'REPLAY_QUEUE_A' }), { tenant: 'queue' });
  await running(a.runId);
  const b = await h.client.startBatchInference(small({ outputTableName: 'REPLAY_QUEUE_B' }), { tenant: 'queue' });
  const slots = handle(slotsWorkflowId(h.taskQueue, 'queue'));
  await until(async () => ((await slots.query(slotsQuery)).waiting.length === 1 ? true : undefined), 30_000, 'B waiting');
  gate.open(a.runId);
  await Promise.all([a, b].map((r) => h.client.waitForResult(r.runId)));
  await saveTree(h, 'batchInference-queued-behind-slot', handle(b.runId));
  await writeHistory('tenantSlots-run-waited.json', slots);
  console.log('recorded tenantSlots-run-waited');

  // A sensor: a baseline, then a new ds that starts a run (the run is the state workflow's child).
  await deploySensor(h, 'replay', {
    project: 'churn',
    sensor: { cronSchedule: '0 6 * * *', timezone: 'Europe/Paris', eventName: 'features_landed', payloadKey: 'ds' },
    data: { type: 'duckdb', query: 'SELECT MAX(ds) AS ds FROM {schema}.model_features' },
    run: {
      inputQuery: "SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE ds = '{ds}'",
      outputTableName: 'REPLAY_SENSOR',
      outputTableDefinition: [
        ['id', 'NUMBER'],
        ['score', 'FLOAT'],
        ['label', 'NUMBER'],
      ],
      predictor: 'linear-demo',
      parallelWorkers: 2,
    },
  });
  const checkOnce = async () => {
    const started = await trigger(h.temporal, 'bi-sensor-replay');
    const check = h.temporal.workflow.getHandle(started.workflowId, started.runId);
    return { check, result: (await check.result()) as { changed: boolean; runId?: string } };
  };
  const baseline = await checkOnce();
  await writeHistory('sensorCheck-baseline.json', baseline.check);
  await h.sql(`INSERT INTO dev.model_features SELECT (1000 + i)::BIGINT, 0.5, 0.25, '2026-02-27' FROM range(50) r(i)`);
  const change = await checkOnce();
  if (!change.result.changed || !change.result.runId) throw new Error(`expected a change: ${JSON.stringify(change.result)}`);
  await writeHistory('sensorCheck-change.json', change.check);
  await h.client.waitForResult(change.result.runId);
  await saveTree(h, 'sensorState-baseline-then-change', handle(sensorStateWorkflowId('replay')));

  const cleanup = await h.temporal.workflow.start(CLEANUP_WORKFLOW_TYPE, {
    taskQueue: h.taskQueue,
    workflowId: `replay-cleanup-${Date.now()}`,
    args: [{ ttlHours: 168, cutoff: new Date().toISOString() }],
  });
  await cleanup.result();
  await writeHistory('cleanupResults.json', cleanup);
  console.log('recorded cleanupResults');

  // The "acme" slots workflow has had nothing to do since its one run: it ends after 10 idle minutes.
  console.log("waiting for tenant acme's slots workflow to end idle (about 10 minutes)");
  const idle = handle(slotsWorkflowId(h.taskQueue, 'acme'));
  await until(async () => ((await idle.describe()).status.name === 'COMPLETED' ? true : undefined), IDLE_WAIT_MS, 'acme slots idle');
  await writeHistory('tenantSlots-idle.json', idle);
  console.log('recorded tenantSlots-idle');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
