// Sensor workflow names, ids, updates and queries, shared by the workflows and the doors.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ObserveRequest, SensorCheckOutcome, SensorState } from '../../sensors/types.js';

export const SENSOR_CHECK_WORKFLOW_TYPE = 'sensorCheck';
export const SENSOR_STATE_WORKFLOW_TYPE = 'sensorState';

/** Each check the Schedule starts is `bi-sensor-<name>-check-<action time>`. */
export const sensorCheckWorkflowId = (sensor: string) => `bi-sensor-${sensor}-check`;
/** The one long-lived workflow that remembers the sensor's last value and starts its runs. */
export const sensorStateWorkflowId = (sensor: string) => `bi-sensor-${sensor}-state`;
/** A run started by a change: the sensor, the change's number and the value's fingerprint. */
export const sensorRunWorkflowId = (sensor: string, change: number, fingerprint: string) =>
  `bi-sensor-${sensor}-run-${change}-${fingerprint.slice(0, 10)}`;

export const observeUpdate = defineUpdate<SensorCheckOutcome, [ObserveRequest]>('observe');
export const sensorStateQuery = defineQuery<SensorState>('sensorState');
