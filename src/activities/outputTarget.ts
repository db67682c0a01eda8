// saveMode "error": refuse to start when the destination already holds data, before any scoring.
import { NonRetryableError } from '../nonRetryableError.js';
import type { ResolvedSpec } from '../spec/types.js';
import type { ActivityContext } from './deps.js';

/** saveMode "error" and the output table or path already holds data. */
export class OutputExistsError extends NonRetryableError {}

export async function checkOutputTarget(ctx: ActivityContext, spec: ResolvedSpec, warehouse = ctx.warehouse): Promise<void> {
  if (spec.saveMode !== 'error') return;
  if (spec.outputDestination === 'table') {
    const table = spec.outputTableName!;
    // A missing table is empty: publish creates it or says why it cannot.
    const hasRows = await warehouse.tableHasRows(table, { useUtc: spec.useUtc, warehouse: spec.warehouse });
    if (hasRows) {
      throw new OutputExistsError(
        `Table ${table} already has rows and saveMode is "error"; use an empty or new table, or saveMode "overwrite" or "append"`,
      );
    }
    return;
  }
  const existing = await ctx.stage.list(`${spec.outputPath}/`);
  if (existing.length) {
    throw new OutputExistsError(
      `outputPath "${spec.outputPath}" is not empty (${existing.length} file${existing.length === 1 ? '' : 's'}, e.g. ${existing[0].key}) and saveMode is "error"; choose an empty path, or saveMode "overwrite" or "append"`,
    );
  }
}
