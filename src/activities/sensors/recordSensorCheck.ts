// Reports one check to the sensor's state workflow (started on first use) through the `observe`
// update. The update id names the check (workflow and run id), so a retried report gets the first one's answer.
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { ObserveRequest, SensorCheckOutcome } from '../../sensors/types.js';
import { observeUpdate, SENSOR_STATE_WORKFLOW_TYPE, sensorStateWorkflowId } from '../../workflows/sensors/contract.js';
import type { SensorStateInput } from '../../workflows/sensors/sensorState.js';

export function makeRecordSensorCheck() {
  return async function recordSensorCheck(request: ObserveRequest): Promise<SensorCheckOutcome> {
    const { client, info } = Context.current();
    const sensor = request.sensor.name;
    const start = new WithStartWorkflowOperation(SENSOR_STATE_WORKFLOW_TYPE, {
      workflowId: sensorStateWorkflowId(sensor),
      taskQueue: info.taskQueue,
      args: [{ sensor } satisfies SensorStateInput],
      workflowIdConflictPolicy: 'USE_EXISTING',
      memo: { sensor, project: request.sensor.project, eventName: request.sensor.eventName },
      staticSummary: `remembers what sensor ${sensor} last saw and starts its runs`,
    });
    return client.workflow.executeUpdateWithStart(observeUpdate, {
      args: [request],
      updateId: request.checkId,
      startWorkflowOperation: start,
    });
  };
}
