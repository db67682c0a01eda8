// A resume's export: instead of running the query again, take the failed run's staged input and every
// chunk output it finished, checked against its manifest, and keep its chunk plan. The finished outputs
// are copied under the resume's own prefix (at the key of the worker that now owns the chunk), so
// scoreChunk finds them and reuses them without calling the predictor, and publish reads one prefix.
import { Context } from '@temporalio/activity';
import fs from 'node:fs/promises';
import { withEngine } from '../adapters/localEngine/localEngine.js';
import { chunkOfOutputKey } from '../adapters/stage/resultFiles.js';
import { chunkOutputKey, manifestKey, outputPrefix, type Stage } from '../adapters/stage/stage.js';
import { mapLimit } from '../adapters/stage/mapLimit.js';
import { planSlices, type Chunk } from '../planning/chunks.js';
import type { RunManifest } from '../planning/manifest.js';
import { NonRetryableError } from '../nonRetryableError.js';
import { changedFields } from '../resume/overrides.js';
import { quoteLiteral } from '../spec/identifiers.js';
import type { ResolvedSpec } from '../spec/types.js';
import type { RunRef } from '../workflows/run/contract.js';
import type { ActivityContext } from './deps.js';
import type { ExportResult } from './exportInput.js';
import { atActivityEdge } from './failures.js';
import { DEFAULT_TENANT } from '../workflows/slots/contract.js';

/** The failed run's staged files cannot be used: gone, changed, or not the execution that failed. */
export class ResumeSourceError extends NonRetryableError {
  constructor(
    readonly failedRunId: string,
    readonly reason: string,
  ) {
    super(`Cannot resume ${failedRunId}: ${reason}; start a new run with the same spec instead`);
  }
}

/** The resume's spec differs from the failed run's in a field that is not operational. */
export class ResumeSpecMismatchError extends NonRetryableError {
  constructor(
    readonly failedRunId: string,
    readonly fields: string[],
  ) {
    super(
      `Cannot resume ${failedRunId}: ${fields.join(', ')} would differ from the failed run's (a worker setting such as BATCH_ENV's schema, or the spec, changed); only operational fields may change on a resume; start a new run instead`,
    );
  }
}

export interface AdoptRunRequest extends RunRef {
  /** The failed run (its workflow id and the execution that failed). */
  from: RunRef;
  spec: ResolvedSpec;
  /** The resume's tenant: it must be the failed run's ("default" when absent). */
  tenant?: string;
}

export interface AdoptResult extends ExportResult {
  /** The failed run's id. */
  resumeOf: string;
  /** Chunks whose output the failed run had finished: not scored again. */
  chunksReused: number;
  rowsReused: number;
}

/** A run id as a stage path segment: nothing that could climb out of runs/. */
const SAFE_RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/;
const COPIES_AT_ONCE = 4;

export function makeAdoptRun(ctx: ActivityContext) {
  return async function adoptRun({ runId, executionId, from, spec, tenant = DEFAULT_TENANT }: AdoptRunRequest): Promise<AdoptResult> {
    return atActivityEdge(async () => {
      const activity = Context.current();
      if (!SAFE_RUN_ID.test(from.runId) || from.runId.includes('..')) throw new ResumeSourceError(from.runId, 'not a run id');
      const failed = await ctx.stage.getJson<RunManifest>(manifestKey(from.runId));
      if (!failed) {
        throw new ResumeSourceError(
          from.runId,
          'its staged files are gone (retention deletes them BATCH_RESULT_TTL_HOURS after the run closed, and a cancelled run deletes them at once)',
        );
      }
      if (failed.executionId !== from.executionId) {
        throw new ResumeSourceError(
          from.runId,
          `its staged files belong to another execution (${failed.executionId}) than the one that failed`,
        );
      }
      // Another tenant's input must never reach this tenant's output, whoever started the resume.
      if ((failed.tenant ?? DEFAULT_TENANT) !== tenant)
        throw new ResumeSourceError(from.runId, `it belongs to another tenant than ${tenant}`);
      const changed = changedFields(failed.spec, spec);
      if (changed.length) throw new ResumeSpecMismatchError(from.runId, changed);

      // The input must be exactly what the failed run's chunks were cut from.
      for (const file of failed.files) {
        const found = await ctx.stage.stat(file.key);
        if (!found) throw new ResumeSourceError(from.runId, `its staged input ${file.key} is gone`);
        if (found.size !== file.bytes) {
          throw new ResumeSourceError(from.runId, `its staged input ${file.key} has ${found.size} bytes, the manifest says ${file.bytes}`);
        }
      }

      // A retried attempt starts over: nothing of an earlier attempt passes for checked output.
      await ctx.stage.deletePrefix(outputPrefix(runId));
      const slices = planSlices(failed.chunks, spec.parallelWorkers).map((s, worker) => ({ worker, ...s }));
      const ownerOf = (chunk: number) => slices.find((s) => chunk >= s.chunkStart && chunk < s.chunkEnd)!.worker;
      const finished = new Map<number, string>();
      for (const o of await ctx.stage.list(`${outputPrefix(from.runId)}/`)) {
        const at = chunkOfOutputKey(o.key);
        if (at && at.chunk < failed.chunks.length && o.size > 0 && !finished.has(at.chunk)) finished.set(at.chunk, o.key);
      }
      let done = 0;
      const adopted = await mapLimit([...finished], COPIES_AT_ONCE, async ([chunk, key]) => {
        const ok = await copyIfComplete(ctx.stage, key, failed.chunks[chunk], chunkOutputKey(runId, ownerOf(chunk), chunk));
        activity.heartbeat({ phase: 'adopt', done: ++done });
        return ok ? failed.chunks[chunk].rows : undefined;
      });
      const reused = adopted.filter((rows): rows is number => rows !== undefined);

      const manifest: RunManifest = {
        runId,
        executionId,
        spec,
        files: failed.files,
        chunks: failed.chunks,
        createdAt: new Date().toISOString(),
        tenant,
        resumeOf: from,
      };
      await ctx.stage.putJson(manifestKey(runId), manifest);
      ctx.manifests.forget(runId);
      return {
        rows: failed.files.reduce((s, f) => s + f.rows, 0),
        bytes: failed.files.reduce((s, f) => s + f.bytes, 0),
        files: failed.files.length,
        chunks: failed.chunks.length,
        slices,
        resumeOf: from.runId,
        chunksReused: reused.length,
        rowsReused: reused.reduce((s, r) => s + r, 0),
      };
    });
  };
}

/**
 * Copies a finished chunk's output to `target` when it is a whole parquet file with the chunk's rows
 * (a predictor returns one row per input row). Anything else is left to be scored again.
 */
async function copyIfComplete(stage: Stage, key: string, chunk: Chunk, target: string): Promise<boolean> {
  const copy = await stage.localCopy(key);
  try {
    const rows = await withEngine(async (conn) => {
      const reader = await conn.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata(${quoteLiteral(copy.path)})`);
      return Number(reader.getRows()[0]?.[0]);
    }).catch(() => undefined); // not a readable parquet file: score the chunk again
    if (rows !== chunk.rows) return false;
    // putFile moves its file: copy first, so the failed run keeps its own (a local stage's copy is the object).
    const scratch = await stage.scratchPath('adopted.parquet');
    try {
      await fs.copyFile(copy.path, scratch);
      await stage.putFile(scratch, target);
    } finally {
      await fs.rm(scratch, { force: true });
    }
    return true;
  } finally {
    await copy.release();
  }
}
