// A sensor's Schedule (`bi-sensor-<name>`): every tick starts a `sensorCheck` workflow with the whole
// sensor definition as its argument, so a redeploy changes what the next tick does and nothing else.
import type { SensorDefinition } from './types.js';
import { SENSOR_CHECK_WORKFLOW_TYPE, sensorCheckWorkflowId } from '../workflows/sensors/contract.js';
import { MANAGED_BY, sensorScheduleId } from '../schedules/managed.js';
import type { DesiredSchedule } from '../schedules/upsert.js';

export function sensorScheduleFor(sensor: SensorDefinition, opts: { taskQueue: string; memo?: Record<string, unknown> }): DesiredSchedule {
  const source =
    sensor.source.type === 's3'
      ? `s3://${sensor.source.bucket}/${sensor.source.key} (${sensor.source.checkMode})`
      : `a ${sensor.source.type} query`;
  return {
    scheduleId: sensorScheduleId(sensor.name),
    cron: sensor.cronSchedule,
    timezone: sensor.timezone,
    workflowType: SENSOR_CHECK_WORKFLOW_TYPE,
    workflowId: sensorCheckWorkflowId(sensor.name),
    args: [sensor],
    taskQueue: opts.taskQueue,
    actionMemo: { sensor: sensor.name, project: sensor.project, eventName: sensor.eventName },
    scheduleMemo: {
      origin: 'api',
      ...opts.memo,
      managedBy: MANAGED_BY,
      kind: 'sensor',
      name: sensor.name,
      project: sensor.project,
      eventName: sensor.eventName,
    },
    paused: false,
    // A sensor paused with `sensors pause` stays paused across deploys.
    enforcePaused: false,
    summary: `sensor ${sensor.name}: checks ${source}; on a change starts ${sensor.eventName} with {${sensor.payloadKey}}`,
  };
}
