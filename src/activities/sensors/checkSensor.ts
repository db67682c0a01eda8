// Looks at a sensor's source once (a query through the warehouse, or S3 metadata) and says what it saw.
import type { Observation, SensorSource } from '../../sensors/types.js';
import { observeSource } from '../../sensors/observe.js';
import type { ActivityContext } from '../deps.js';
import { warehouseForTenant } from '../../tenants/warehouses.js';
import { DEFAULT_TENANT } from '../../workflows/slots/contract.js';
import { atActivityEdge } from '../failures.js';

export interface CheckSensorInput {
  sensor: string;
  source: SensorSource;
  /** The sensor's tenant: its query runs in that tenant's database. */
  tenant?: string;
}

export function makeCheckSensor(ctx: ActivityContext) {
  return async function checkSensor({ sensor, source, tenant }: CheckSensorInput): Promise<Observation> {
    return atActivityEdge(async () => {
      const warehouse = await warehouseForTenant(ctx.warehouse, ctx.tenantWarehouses, tenant ?? DEFAULT_TENANT);
      return observeSource(sensor, source, { warehouse, objects: ctx.objects, schema: ctx.schema });
    });
  };
}
