import { CancelledFailure, Context } from '@temporalio/activity';
import { inputPrefix, manifestKey, outputPrefix } from '../adapters/stage/stage.js';
import { planChunksForWorkers, planSlices, type Slice } from '../planning/chunks.js';
import type { RunManifest } from '../planning/manifest.js';
import type { ResolvedSpec } from '../spec/types.js';
import type { RunRef } from '../workflows/run/contract.js';
import { NonRetryableError } from '../nonRetryableError.js';
import type { ActivityContext } from './deps.js';
import { atActivityEdge } from './failures.js';
import { countBeforeExport } from './countBeforeExport.js';
import { withKeepAlive } from './keepAlive.js';
import { warehouseForTenant } from '../tenants/warehouses.js';
import { DEFAULT_TENANT } from '../workflows/slots/contract.js';

/** The query returned more rows than BATCH_MAX_INPUT_ROWS allows. */
export class InputTooLargeError extends NonRetryableError {
  constructor(
    message: string,
    readonly rows?: number,
    readonly limit?: number,
  ) {
    super(message);
  }
}

/** What the export staged: totals, and the slices the run fans out to. */
export interface ExportResult {
  rows: number;
  bytes: number;
  files: number;
  chunks: number;
  slices: Slice[];
}

const MB = 1024 * 1024;

export interface ExportInputRequest extends RunRef {
  spec: ResolvedSpec;
  /** Whose database the query runs in; "default" when absent. */
  tenant?: string;
}

/** Unloads the query to the stage as parquet, then plans chunks and slices and stores the manifest. */
export function makeExportInput(ctx: ActivityContext) {
  return async function exportInput({ runId, executionId, spec, tenant }: ExportInputRequest): Promise<ExportResult> {
    return atActivityEdge(async () => {
      const activity = Context.current();
      const prefix = inputPrefix(runId);
      const warehouse = await warehouseForTenant(ctx.warehouse, ctx.tenantWarehouses, tenant ?? DEFAULT_TENANT);
      // Checked again here: this activity embeds the query in COPY, whoever scheduled it.
      await warehouse.checkReadOnlyQuery(spec.renderedQuery, { useUtc: spec.useUtc, warehouse: spec.warehouse });
      if (ctx.maxInputRows !== undefined) {
        // Counted first where the warehouse answers quickly: nothing is unloaded for a query far too large.
        const counted = await countBeforeExport(warehouse, spec, activity.cancellationSignal);
        if (activity.cancellationSignal.aborted) throw new CancelledFailure('export cancelled');
        if (counted !== undefined && counted > ctx.maxInputRows) {
          throw new InputTooLargeError(
            `The query returns ${counted.toLocaleString('en-US')} rows (counted before the export), above the limit of ${ctx.maxInputRows.toLocaleString('en-US')} (BATCH_MAX_INPUT_ROWS); narrow inputQuery (e.g. one ds at a time) or raise BATCH_MAX_INPUT_ROWS on the worker`,
            counted,
            ctx.maxInputRows,
          );
        }
      }
      // Output left by an earlier execution under the same workflow id must not pass for this one's.
      await ctx.stage.deletePrefix(outputPrefix(runId));
      // The warehouse says what it wrote, so nothing is read back from the stage to plan the chunks.
      // A heartbeat every second, so a cancel (or the run's timeoutMinutes) reaches the export within
      // seconds and interrupts the warehouse's statement through the cancellation signal.
      const files = await withKeepAlive(
        () => activity.heartbeat({ phase: 'export' }),
        () =>
          warehouse.exportQuery({
            runId,
            sql: spec.renderedQuery,
            stage: ctx.stage,
            prefix,
            fileSizeBytes: spec.batchSizeInMb * MB,
            useUtc: spec.useUtc,
            warehouse: spec.warehouse,
            signal: activity.cancellationSignal,
          }),
        1000,
      ).catch((err: unknown) => {
        // The statement failed because it was interrupted: that is the cancel, not an export error.
        if (activity.cancellationSignal.aborted) throw new CancelledFailure('export cancelled');
        throw err;
      });
      // Cancelled while the warehouse unloaded: the workflow deletes the run's files once this returns.
      if (activity.cancellationSignal.aborted) throw new CancelledFailure('export cancelled');
      const rows = files.reduce((s, f) => s + f.rows, 0);
      if (ctx.maxInputRows !== undefined && rows > ctx.maxInputRows) {
        // Nothing will score these rows: do not keep a copy of a too-large input on the stage.
        await ctx.stage.deletePrefix(prefix);
        throw new InputTooLargeError(
          `The query returned ${rows.toLocaleString('en-US')} rows, above the limit of ${ctx.maxInputRows.toLocaleString('en-US')} (BATCH_MAX_INPUT_ROWS); narrow inputQuery (e.g. one ds at a time) or raise BATCH_MAX_INPUT_ROWS on the worker`,
          rows,
          ctx.maxInputRows,
        );
      }
      const chunks = planChunksForWorkers(files, spec.batchSizeInMb * MB, spec.parallelWorkers);
      const slices = planSlices(chunks, spec.parallelWorkers);
      const manifest: RunManifest = {
        runId,
        executionId,
        spec,
        files,
        chunks,
        createdAt: new Date().toISOString(),
        tenant: tenant ?? DEFAULT_TENANT,
      };
      await ctx.stage.putJson(manifestKey(runId), manifest);
      ctx.manifests.forget(runId);
      return {
        rows,
        bytes: files.reduce((s, f) => s + f.bytes, 0),
        files: files.length,
        chunks: chunks.length,
        slices: slices.map((s, worker) => ({ worker, ...s })),
      };
    });
  };
}
