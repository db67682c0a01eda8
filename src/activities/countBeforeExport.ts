// BATCH_MAX_INPUT_ROWS before the export: a `SELECT count(*) FROM (<query>)` through the warehouse's
// read-only query path (DuckDB's sandboxed instance, Snowflake's one-statement session), so a query far
// above the limit fails in seconds instead of after unloading everything. Only when the count answers
// within a bound: a slow or failing count is skipped, and the row total of the staged files (checked
// after the export) stays the guarantee.
import type { Warehouse } from '../adapters/warehouse/warehouse.js';
import type { ResolvedSpec } from '../spec/types.js';

/** A count slower than this is not cheap: it is stopped, and the after-export check decides. */
export const COUNT_BEFORE_EXPORT_MS = 10_000;

/**
 * The query's row count, or undefined when the warehouse did not answer in time or failed (then the
 * statement is interrupted, not left running). `signal` is the activity's cancellation.
 */
export async function countBeforeExport(
  warehouse: Warehouse,
  spec: Pick<ResolvedSpec, 'renderedQuery' | 'useUtc' | 'warehouse'>,
  signal: AbortSignal,
  timeoutMs = COUNT_BEFORE_EXPORT_MS,
): Promise<number | undefined> {
  const giveUp = new AbortController();
  const stop = () => giveUp.abort();
  signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(stop, timeoutMs);
  try {
    const rows = await warehouse.query(`SELECT count(*) AS n FROM (\n${spec.renderedQuery}\n) AS input_rows`, {
      useUtc: spec.useUtc,
      warehouse: spec.warehouse,
      tag: 'batch-inference:count',
      maxRows: 1,
      signal: giveUp.signal,
    });
    const n = Number(Object.values(rows[0] ?? {})[0]);
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
}
