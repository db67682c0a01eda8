import { Context } from '@temporalio/activity';
import { outputPrefix } from '../adapters/stage/stage.js';
import type { PublishResult } from '../adapters/warehouse/warehouse.js';
import type { RunRef } from '../workflows/run/contract.js';
import type { ActivityContext } from './deps.js';
import { atActivityEdge } from './failures.js';
import { withKeepAlive } from './keepAlive.js';

export type PublishOutputInput = RunRef;

/** Loads every chunk's output into the destination table in one transaction. */
export function makePublishOutput(ctx: ActivityContext) {
  return async function publishOutput({ runId, executionId }: PublishOutputInput): Promise<PublishResult> {
    return atActivityEdge(async () => {
      const activity = Context.current();
      const { spec } = await ctx.manifests.get({ runId, executionId });
      return withKeepAlive(() => activity.heartbeat({ phase: 'publish' }), () =>
        ctx.warehouse.publish({
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
