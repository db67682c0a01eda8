// Looks at a sensor's source once (a query through the warehouse, or S3 metadata) and says what it saw.
import type { Observation, SensorSource } from '../../sensors/types.js';
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
      return observeSource(sensor, source, { warehouse: ctx.warehouse, objects: ctx.objects, schema: ctx.schema });
    });
  };
}
