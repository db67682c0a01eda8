import { CancelledFailure, Context } from '@temporalio/activity';
import fs from 'node:fs/promises';
import { withEngine } from '../adapters/localEngine/localEngine.js';
import { openChunkIO } from '../scoring/chunkIO.js';
import { chunkOutputKey, localCopies } from '../adapters/stage/stage.js';
import type { Chunk } from '../planning/chunks.js';
import { deadlineFor } from '../predictors/isolation/bounded.js';
import { scorerFor } from '../predictors/isolation/batchScorer.js';
import { OneAhead, ownBuffers } from '../predictors/isolation/oneAhead.js';
import { scoreOnChunkThread } from '../scoring/chunkThreads/scoreOnThread.js';
import { chunkThreadSource } from '../scoring/chunkThreads/threadSource.js';
import { quoteLiteral } from '../spec/identifiers.js';
import { modelPredictor } from '../models/modelPredictor.js';
import type { RunRef } from '../workflows/run/contract.js';
import type { ActivityContext } from './deps.js';
import { atActivityEdge } from './failures.js';

export interface ChunkResult {
  rowsIn: number;
  rowsOut: number;
  bytesOut: number;
  /** True when the chunk's output was already on the stage (a retry after a lost completion). */
  reused: boolean;
}

const DEFAULT_BATCH_ROWS = 131_072;

export interface ScoreChunkInput extends RunRef {
  worker: number;
  chunk: number;
}

/**
 * Scores one chunk: staged parquet → Arrow record batches → predictor → validated output → one parquet
 * file at a key fixed by (run, worker, chunk). The file lands in one step, so a retry either finds it
 * complete (and reuses it) or writes it anew: never a duplicate, never a gap.
 */
export function makeScoreChunk(ctx: ActivityContext) {
  const score = chunkScorer(ctx);
  return async function scoreChunk(input: ScoreChunkInput): Promise<ChunkResult> {
    return atActivityEdge(() => score(input));
  };
}

/**
 * Scores one chunk inside the current activity. `limitMs` bounds this chunk (from its start); the
 * activity's startToCloseTimeout when absent. Activities scoring several chunks give each its own.
 */
export function chunkScorer(ctx: ActivityContext) {
  return async function scoreOne({ runId, executionId, worker, chunk: index }: ScoreChunkInput, limitMs?: number): Promise<ChunkResult> {
    {
      const activity = Context.current();
      const startedAt = Date.now();
      const manifest = await ctx.manifests.get({ runId, executionId });
      const chunk = manifest.chunks[index];
      if (!chunk) throw new Error(`Run ${runId} has no chunk ${index}`);
      const key = chunkOutputKey(runId, worker, index);
      const existing = await ctx.stage.stat(key);
      if (existing) return reuse(ctx, key, chunk, existing.size);

      const { spec } = manifest;
      // A registered model: its version loaded once per worker and shared; else a worker predictor.
      const model = spec.model ? await modelPredictor(ctx.models, spec.model) : undefined;
      const predict = model?.predict ?? ctx.predictors[spec.predictor];
      if (!predict) throw new Error(`Predictor "${spec.predictor}" is not registered on this worker`);
      const source = model ? model.source : ctx.predictorSources?.[spec.predictor];
      const required = spec.outputTableDefinition?.map(([name]) => name);
      const copies = await localCopies(
        ctx.stage,
        chunk.parts.map((p) => p.key),
      ).catch((err: unknown) => {
        model?.release();
        throw err;
      });
      const scratch = await ctx.stage.scratchPath(`w${worker}-c${index}.parquet`);
      const place = { worker, chunk: index };
      const progress = { chunk: index, batch: 0, rows: 0 };
      const scorerOptions = {
        predictor: spec.predictor,
        place,
        timeoutPerBatch: spec.timeoutPerBatch,
        required,
        bounds: {
          deadline: deadlineFor(startedAt, limitMs ?? (activity.info.startToCloseTimeoutMs || spec.timeoutPerBatch * 1000)),
          signal: activity.cancellationSignal,
          heartbeat: () => activity.heartbeat({ ...progress }),
          heartbeatEveryMs: Math.min(1000, (activity.info.heartbeatTimeoutMs || 4000) / 4),
        },
      };
      // A whole chunk on a chunk thread when one is free and the predictor can be loaded there;
      // else three ways to score here: a kind's own runtime (Python processes), a module in a thread, or in process.
      const threadSource = chunkThreadSource(ctx, spec.predictor, model);
      const onThread = threadSource ? ctx.chunkThreads?.tryAcquire() : undefined;
      const scorerOnMain = onThread
        ? undefined
        : model?.batchScorer
          ? model.batchScorer(scorerOptions)
          : scorerFor({ predict, source, threads: ctx.predictorThreads }, scorerOptions);
      try {
        // Buffers sized to the chunk: a small chunk allocating full-size batch buffers kept the GC busy (issue 14).
        const batchRows = Math.min(spec.batchRows ?? ctx.batchRows ?? DEFAULT_BATCH_ROWS, Math.max(1, chunk.rows));
        const parts = chunk.parts.map((part, i) => ({ path: copies[i].path, rowStart: part.rowStart, rowEnd: part.rowEnd }));
        // A parquet destination's files are these files, copied as they are (resultFormats.ts).
        const usersFile = spec.outputDestination === 'parquet';
        const request = {
          predictor: spec.predictor,
          source: threadSource!,
          parts,
          includeInputColumns: spec.includeInputColumns,
          batchRows,
          runId,
          worker,
          chunk: index,
          required,
          outputTableDefinition: spec.outputTableDefinition,
          allowNonFinite: spec.allowNonFinite ?? false,
          statistics: usersFile,
          // Compressed where it crosses a network or stays; a local stage's publish reads it from this disk.
          // A stage that does not say (a custom one) counts as remote.
          compressed: ctx.stage.remote !== false || usersFile,
          scratch,
        };
        const onProgress = (batch: number, rows: number) => {
          Object.assign(progress, { batch, rows });
          activity.heartbeat({ ...progress });
        };
        const rowsOut = onThread
          ? await scoreOnChunkThread(ctx.chunkThreads!, onThread, request, scorerOptions, onProgress)
          : await withEngine(async (reader, writer) => {
              const scorer = scorerOnMain!;
              const io = await openChunkIO({ reader, writer }, request);
              try {
                let batch = 0;
                let rows = 0;
                // Sent to the scorer; with a thread, one batch may be out while the next is read.
                let dispatched = 0;
                let sent = 0;
                const inFlight = new OneAhead();
                // The next batch may be read into the same buffers while this one is out.
                const keepsBuffers = scorer.copiesInput && !io.keepsBatchWhileNextIsRead;
                for await (const read of io.batches) {
                  if (activity.cancellationSignal.aborted) throw new CancelledFailure('scoring cancelled');
                  const input = keepsBuffers ? { ...read, keyColumns: ownBuffers(read.keyColumns) } : read;
                  const finite = spec.allowNonFinite ? undefined : { place, firstRow: dispatched };
                  const scored = scorer.score(input.features, { runId, worker, chunk: index, batch: sent++ }, finite);
                  const n = input.features.numRows;
                  dispatched += n;
                  await inFlight.add(
                    scored,
                    async (columns) => {
                      await io.append(columns, n, input);
                      rows += n;
                      onProgress(++batch, rows);
                    },
                    !scorer.copiesInput,
                  );
                }
                await inFlight.drain();
                return await io.finish();
              } catch (err) {
                io.abort();
                throw err;
              }
            });
        if (activity.cancellationSignal.aborted) throw new CancelledFailure('scoring cancelled');
        // The file as written, not the writer's count: a batch a writer left out would otherwise go unnoticed.
        const written = await parquetRows(scratch);
        if (written !== rowsOut)
          throw new Error(`chunk ${index} of worker ${worker}: its file holds ${written} rows, not the ${rowsOut} scored`);
        const bytesOut = (await fs.stat(scratch)).size;
        await ctx.stage.putFile(scratch, key);
        return { rowsIn: chunk.rows, rowsOut, bytesOut, reused: false };
      } finally {
        scorerOnMain?.close();
        model?.release();
        await fs.rm(scratch, { force: true });
        await Promise.all(copies.map((c) => c.release()));
      }
    }
  };
}

/** Rows of a parquet file, from its footer. */
function parquetRows(file: string): Promise<number> {
  return withEngine(async (conn) => {
    const reader = await conn.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata(${quoteLiteral(file)})`);
    return Number(reader.getRows()[0][0]);
  });
}

async function reuse(ctx: ActivityContext, key: string, chunk: Chunk, bytesOut: number): Promise<ChunkResult> {
  const copy = await ctx.stage.localCopy(key);
  try {
    const rowsOut = await parquetRows(copy.path);
    return { rowsIn: chunk.rows, rowsOut, bytesOut, reused: true };
  } finally {
    await copy.release();
  }
}
