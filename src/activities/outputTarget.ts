// saveMode "error": refuse to start when the destination already holds data, before any scoring.
import { OutputExistsError, QueryError } from '../spec/errors.js';
import { quoteQualified } from '../spec/identifiers.js';
import type { ResolvedSpec } from '../shared/types.js';
import type { ActivityContext } from './deps.js';

export async function checkOutputTarget(ctx: ActivityContext, spec: ResolvedSpec): Promise<void> {
  if (spec.saveMode !== 'error') return;
  if (spec.outputDestination === 'table') {
    const table = spec.outputTableName!;
    let rows: unknown[];
    try {
      rows = await ctx.warehouse.query(`SELECT 1 AS present FROM ${quoteQualified(table)}`, {
        maxRows: 1, useUtc: spec.useUtc, warehouse: spec.warehouse, tag: 'batch-inference:save-mode-check',
      });
    } catch (err) {
      // The table does not exist (or cannot be read): publish creates it or says why it cannot.
      if (err instanceof QueryError) return;
      throw err;
    }
    if (rows.length) {
      throw new OutputExistsError(`Table ${table} already has rows and saveMode is "error"; use an empty or new table, or saveMode "overwrite" or "append"`);
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
