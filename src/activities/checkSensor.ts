// Looks at a sensor's source once (a query through the warehouse, or S3 metadata) and says what it saw.
import { ApplicationFailure } from '@temporalio/common';
import type { Observation, SensorSource } from '../shared/sensors.js';
import { SensorSourceError } from '../sensors/errors.js';
import { observeSource } from '../sensors/observe.js';
import type { ActivityContext } from './deps.js';
import { atActivityEdge } from './failures.js';
import { warehouseForTenant } from '../tenants/warehouses.js';
import { DEFAULT_TENANT } from '../workflows/definitions.js';

export interface CheckSensorInput {
  sensor: string;
  source: SensorSource;
  /** The sensor's tenant: its query runs in that tenant's database. */
  tenant?: string;
}

export function makeCheckSensor(ctx: ActivityContext) {
  return async function checkSensor({ sensor, source, tenant }: CheckSensorInput): Promise<Observation> {
    return atActivityEdge(async () => {
      try {
        const warehouse = await warehouseForTenant(ctx.warehouse, ctx.tenantWarehouses, tenant ?? DEFAULT_TENANT);
        return await observeSource(sensor, source, { warehouse, objects: ctx.objects, schema: ctx.schema });
      } catch (err) {
        if (err instanceof SensorSourceError) {
          throw ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true, cause: err });
        }
        throw err;
      }
    });
  };
}
