// One tick of a sensor, started by its Schedule (`bi-sensor-<name>-check-<time>`): look at the source,
// then report what was seen to the sensor's state workflow, which decides whether it is a change and
// starts the run. A check that cannot look (bad SQL, no such bucket, bad credentials) fails visibly
// after its retries; the Schedule's next tick tries again.
import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { Observation, SensorCheckOutcome, SensorDefinition } from '../../sensors/types.js';

const { checkSensor } = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  retry: { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2 },
});
const { recordSensorCheck } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 10, initialInterval: '1s', maximumInterval: '10s' },
});

export interface SensorCheckResult extends SensorCheckOutcome {
  sensor: string;
  summary?: string;
}

export async function sensorCheck(definition: SensorDefinition): Promise<SensorCheckResult> {
  // Two manual triggers in one second share a workflow id: the run id tells their reports apart.
  const { workflowId, runId } = workflowInfo();
  const checkId = `${workflowId}/${runId}`;
  const { name, project, eventName, payloadKey, run, tenant, listable } = definition;
  const sensor = { name, project, eventName, payloadKey, run, ...(tenant ? { tenant } : {}), ...(listable ? { listable } : {}) };

  // Taken before looking: overlapping checks (a manual trigger during a tick) report in any order.
  const observedAt = new Date().toISOString();
  let observation: Observation;
  try {
    observation = await checkSensor({ sensor: name, source: definition.source, tenant });
  } catch (err) {
    const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
    const message = cause instanceof Error ? cause.message : String(cause);
    await recordSensorCheck({ checkId, observedAt, checkedAt: new Date().toISOString(), error: message, sensor });
    throw ApplicationFailure.create({
      message: `Sensor ${name} could not check its source: ${message}`,
      type: 'SensorCheckFailed',
      nonRetryable: true,
      cause: err instanceof Error ? err : undefined,
    });
  }
  const outcome = await recordSensorCheck({ checkId, observedAt, checkedAt: new Date().toISOString(), observation, sensor });
  return { sensor: name, summary: observation.summary, ...outcome };
}
