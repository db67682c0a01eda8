// Looks at a sensor's source once (a query through the warehouse, or S3 metadata) and says what it saw.
import { ApplicationFailure } from '@temporalio/common';
import type { Observation, SensorSource } from '../../sensors/types.js';
import { SensorSourceError } from '../../sensors/errors.js';
import { observeSource } from '../../sensors/observe.js';
import type { ActivityContext } from '../deps.js';
import { atActivityEdge } from '../failures.js';

export interface CheckSensorInput {
  sensor: string;
  source: SensorSource;
}

export function makeCheckSensor(ctx: ActivityContext) {
  return async function checkSensor({ sensor, source }: CheckSensorInput): Promise<Observation> {
    return atActivityEdge(async () => {
      try {
        return await observeSource(sensor, source, { warehouse: ctx.warehouse, objects: ctx.objects, schema: ctx.schema });
      } catch (err) {
        if (err instanceof SensorSourceError) {
          throw ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true, cause: err });
        }
        throw err;
      }
    });
  };
}
