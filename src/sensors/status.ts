// What `sensors list` shows, read without a worker: the Schedule (cron, paused), the state workflow's
// memo (last value, last check) and the last run's own description (when it started, how it ended).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { listManagedSchedules, sensorScheduleId } from '../schedules/managed.js';
import { describeSchedule } from '../schedules/upsert.js';
import type { SensorDefinition, SensorState } from './types.js';
import { sensorStateWorkflowId } from '../workflows/sensors/contract.js';

export interface SensorStatus {
  name: string;
  scheduleId: string;
  project?: string;
  eventName?: string;
  cron?: string;
  timezone?: string;
  paused: boolean;
  note?: string;
  lastValue?: string;
  lastSummary?: string;
  lastCheckAt?: string;
  lastError?: string;
  checks: number;
  changes: number;
  lastRunId?: string;
  lastRunStartedAt?: string;
  lastRunStatus?: string;
}

async function describeWorkflow(client: Client, workflowId: string) {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

export async function sensorStatus(client: Client, name: string): Promise<SensorStatus | undefined> {
  const scheduleId = sensorScheduleId(name);
  const schedule = await describeSchedule(client, scheduleId);
  if (!schedule) return undefined;
  const definition = schedule.action.args?.[0] as SensorDefinition | undefined;
  const stateMemo = (await describeWorkflow(client, sensorStateWorkflowId(name)))?.memo as Partial<SensorState> | undefined;
  const status: SensorStatus = {
    name,
    scheduleId,
    project: definition?.project,
    eventName: definition?.eventName,
    cron: definition?.cronSchedule,
    timezone: definition?.timezone,
    paused: schedule.state.paused,
    note: schedule.state.note,
    lastValue: stateMemo?.lastValue,
    lastSummary: stateMemo?.lastSummary,
    lastCheckAt: stateMemo?.lastCheckAt,
    lastError: stateMemo?.lastError,
    checks: stateMemo?.checks ?? 0,
    changes: stateMemo?.changes ?? 0,
    lastRunId: stateMemo?.lastRunId,
  };
  if (status.lastRunId) {
    const run = await describeWorkflow(client, status.lastRunId);
    status.lastRunStartedAt = run?.startTime.toISOString();
    status.lastRunStatus = run?.status.name;
  }
  return status;
}

export async function listSensors(client: Client): Promise<SensorStatus[]> {
  const schedules = await listManagedSchedules(client, 'sensor');
  const statuses = await Promise.all(schedules.map((s) => sensorStatus(client, s.memo.name)));
  return statuses.filter((s): s is SensorStatus => s !== undefined);
}
