import { Context } from '@temporalio/activity';
import fs from 'node:fs/promises';
import { writeResultFile } from '../scoring/resultFormats.js';
import { chunkOfOutputKey, partFileName, runOfPartFile, successKey, type FileFormat } from '../adapters/stage/resultFiles.js';
import { outputPrefix } from '../adapters/stage/stage.js';
import { PublishError } from '../adapters/warehouse/errors.js';
import type { RunRef } from '../workflows/run/contract.js';
import type { ActivityContext } from './deps.js';
import { atActivityEdge } from './failures.js';
import { withKeepAlive } from './keepAlive.js';

/** What publishing files to a stage path did. */
export interface FilePublishResult {
  path: string;
  files: number;
  rows: number;
}

export interface PublishFilesInput extends RunRef {
  /** Rows the run wrote (from the slices' totals), recorded in _SUCCESS. */
  rows: number;
}

/**
 * Publishes the run's output as parquet or CSV files under its output path so that a reader never
 * takes a partial result for a complete one: the old _SUCCESS goes first, then the data files land
 * (each in one step), then with overwrite everything else in the path goes, and _SUCCESS lands last.
 * Safe to repeat: file names are a pure function of (run, worker, chunk) and each put replaces.
 */
export function makePublishFiles(ctx: ActivityContext) {
  return async function publishFiles({ runId, executionId, rows }: PublishFilesInput): Promise<FilePublishResult> {
    return atActivityEdge(async () => {
      const activity = Context.current();
      const { spec } = await ctx.manifests.get({ runId, executionId });
      const path = spec.outputPath;
      if (!path || spec.outputDestination === 'table') throw new Error(`Run ${runId} does not write files`);
      const format = spec.outputDestination as FileFormat;

      const outputs = (await ctx.stage.list(outputPrefix(runId))).flatMap((o) => {
        const at = chunkOfOutputKey(o.key);
        return at ? [{ source: o.key, target: `${path}/${partFileName(runId, at.worker, at.chunk, format)}` }] : [];
      });
      if (spec.saveMode === 'error') {
        // Checked in preparing too; another writer may have arrived since.
        // This run's own _SUCCESS (an attempt that landed it and then lost its answer) is not foreign.
        const ownSuccess = (await ctx.stage.getJson<{ runId?: string }>(successKey(path)))?.runId === runId;
        const foreign = (await ctx.stage.list(`${path}/`)).filter(
          (o) => runOfPartFile(o.key) !== runId && !(ownSuccess && o.key === successKey(path)),
        );
        if (foreign.length) {
          throw new PublishError(
            `outputPath "${path}" is no longer empty (${foreign[0].key}) and saveMode is "error"; choose an empty path or saveMode "overwrite" or "append"`,
          );
        }
      }

      await ctx.stage.deletePrefix(successKey(path));
      for (const [i, { source, target }] of outputs.entries()) {
        const copy = await ctx.stage.localCopy(source);
        const scratch = await ctx.stage.scratchPath(`result.${format}`);
        try {
          // One large file can take longer than the heartbeat timeout to convert and upload.
          await withKeepAlive(
            () => activity.heartbeat({ phase: 'files', done: i }),
            async () => {
              await writeResultFile(copy.path, scratch, format);
              await ctx.stage.putFile(scratch, target);
            },
          );
        } finally {
          await fs.rm(scratch, { force: true });
          await copy.release();
        }
        activity.heartbeat({ phase: 'files', done: i + 1 });
      }
      if (spec.saveMode === 'overwrite') {
        const keep = new Set(outputs.map((o) => o.target));
        for (const old of await ctx.stage.list(`${path}/`)) if (!keep.has(old.key)) await ctx.stage.deletePrefix(old.key);
      }
      await ctx.stage.putJson(successKey(path), {
        runId,
        executionId,
        format,
        files: outputs.length,
        rows,
        committedAt: new Date().toISOString(),
      });
      return { path, files: outputs.length, rows };
    });
  };
}

export interface DiscardFilesInput {
  runId: string;
  path: string;
}

/** Removes a run's own part files from an output path (after a failed publish): nothing half-written stays. */
export function makeDiscardFiles(ctx: ActivityContext) {
  return async function discardFiles({ runId, path }: DiscardFilesInput): Promise<void> {
    for (const o of await ctx.stage.list(`${path}/`)) if (runOfPartFile(o.key) === runId) await ctx.stage.deletePrefix(o.key);
  };
}
