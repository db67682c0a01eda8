// Sensors in tests: deploy one from a config object, trigger its Schedule now, read its state.
import type { Client } from '@temporalio/client';
import path from 'node:path';
import { sensorScheduleFor } from '../../src/sensors/schedule.js';
import { upsertSchedule } from '../../src/schedules/upsert.js';
import { parseSensorFile } from '../../src/sensors/sensorConfig.js';
import type { SensorDefinition, SensorState } from '../../src/sensors/types.js';
import type { SensorCheckResult } from '../../src/workflows/sensors/sensorCheck.js';
import { sensorStateQuery, sensorStateWorkflowId } from '../../src/workflows/sensors/contract.js';
import type { Harness } from './harness.js';
import { trigger } from './schedules.js';

/** Validates a sensor config as `deploy` does (file `<name>.yaml` in the harness folder) and creates its Schedule. */
export async function deploySensor(h: Harness, name: string, raw: unknown): Promise<SensorDefinition> {
  const sensor = parseSensorFile(raw, path.join(h.dir, `${name}.yaml`), h.config);
  await upsertSchedule(h.temporal, sensorScheduleFor(sensor, { taskQueue: h.taskQueue, memo: { origin: 'test' } }));
  return sensor;
}

/** Triggers one check and waits for its result (rejects when the check fails). */
export async function check(client: Client, sensor: string): Promise<SensorCheckResult> {
  const { workflowId, runId } = await trigger(client, `bi-sensor-${sensor}`);
  return client.workflow.getHandle(workflowId, runId).result() as Promise<SensorCheckResult>;
}

export async function stateOf(client: Client, sensor: string): Promise<SensorState> {
  return client.workflow.getHandle(sensorStateWorkflowId(sensor)).query(sensorStateQuery);
}

/** batchInference runs on this harness's task queue (visibility lags: poll with until()). */
export async function runsOnQueue(h: Harness): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of h.temporal.workflow.list({ query: `TaskQueue = '${h.taskQueue}' AND WorkflowType = 'batchInference'` }))
    ids.push(wf.workflowId);
  return ids.sort();
}
