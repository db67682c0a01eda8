import { Context } from '@temporalio/activity';
import { outputPrefix } from '../adapters/stage/stage.js';
import type { PublishResult } from '../adapters/warehouse/warehouse.js';
import type { RunRef } from '../workflows/run/contract.js';
import type { ActivityContext } from './deps.js';
import { atActivityEdge } from './failures.js';
import { withKeepAlive } from './keepAlive.js';
import { checkWriteGrant } from '../tenants/grants.js';
import { warehouseForTenant } from '../tenants/warehouses.js';
import { DEFAULT_TENANT } from '../workflows/slots/contract.js';

export interface PublishOutputInput extends RunRef {
  /** Whose database receives the table; "default" when absent. */
  tenant?: string;
}

/** Loads every chunk's output into the destination table in one transaction. */
export function makePublishOutput(ctx: ActivityContext) {
  return async function publishOutput({ runId, executionId, tenant }: PublishOutputInput): Promise<PublishResult> {
    return atActivityEdge(async () => {
      const activity = Context.current();
      const { spec } = await ctx.manifests.get({ runId, executionId });
      checkWriteGrant(ctx.tenants, tenant ?? DEFAULT_TENANT, spec.outputTableName);
      const warehouse = await warehouseForTenant(ctx.warehouse, ctx.tenantWarehouses, tenant ?? DEFAULT_TENANT);
      return withKeepAlive(
        () => activity.heartbeat({ phase: 'publish' }),
        () =>
          warehouse.publish({
            runId,
            publishId: `${runId}/${executionId}`,
            table: spec.outputTableName!,
            // With input columns the output holds more than the definition: a new table takes the output's columns.
            definition: spec.includeInputColumns ? undefined : spec.outputTableDefinition,
            autoCreateTable: spec.autoCreateTable,
            overwrite: spec.overwrite,
            stage: ctx.stage,
            prefix: outputPrefix(runId),
            useUtc: spec.useUtc,
            warehouse: spec.warehouse,
          }),
      );
    });
  };
}
