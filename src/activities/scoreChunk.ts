import { CancelledFailure, Context } from '@temporalio/activity';
import fs from 'node:fs/promises';
import { sqlPathList, withEngine } from '../adapters/localEngine/localEngine.js';
import { OutputWriter } from '../scoring/outputWriter.js';
import { predictorInput } from '../scoring/predictorInput.js';
import { readRecordBatches } from '../scoring/recordBatches.js';
import { chunkOutputKey, localCopies, type LocalCopy } from '../adapters/stage/stage.js';
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

/** The FROM clause that reads one chunk: whole files in one scan, file parts by row position. */
function chunkSource(chunk: Chunk, copies: LocalCopy[]): string {
  const whole = chunk.parts.every((p) => p.rowStart === undefined);
  if (whole) return `read_parquet(${sqlPathList(copies.map((c) => c.path))})`;
  const selects = chunk.parts.map((part, i) => {
    const scan = `read_parquet(${quoteLiteral(copies[i].path)}, file_row_number = true)`;
    const where = part.rowStart === undefined ? '' : ` WHERE file_row_number >= ${part.rowStart} AND file_row_number < ${part.rowEnd}`;
    return `SELECT * EXCLUDE (file_row_number) FROM ${scan}${where}`;
  });
  return `(${selects.join(' UNION ALL ')})`;
}

/** Row keys added to the input when includeInputColumns is set: they join predictions back to their rows. */
const ROW_KEYS = ['__bi_file', '__bi_row'];

/** The chunk's rows with a key per row: the part's index and the row's position in its file. */
function keyedChunkSource(chunk: Chunk, copies: LocalCopy[]): string {
  const selects = chunk.parts.map((part, i) => {
    const scan = `read_parquet(${quoteLiteral(copies[i].path)}, file_row_number = true)`;
    const where = part.rowStart === undefined ? '' : ` WHERE file_row_number >= ${part.rowStart} AND file_row_number < ${part.rowEnd}`;
    return `SELECT * EXCLUDE (file_row_number), ${i}::INTEGER AS ${ROW_KEYS[0]}, file_row_number AS ${ROW_KEYS[1]} FROM ${scan}${where}`;
  });
  return `(${selects.join(' UNION ALL ')})`;
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
      const threadSource = model?.batchScorer ? undefined : chunkThreadSource(ctx, spec.predictor, model);
      const onThread = threadSource ? ctx.chunkThreads?.tryAcquire() : undefined;
      const scorerOnMain = onThread
        ? undefined
        : model?.batchScorer
          ? model.batchScorer(scorerOptions)
          : scorerFor({ predict, source, threads: ctx.predictorThreads }, scorerOptions);
      try {
        const keyed = spec.includeInputColumns;
        const source = keyed ? keyedChunkSource(chunk, copies) : chunkSource(chunk, copies);
        // Buffers sized to the chunk: a small chunk allocating full-size batch buffers kept the GC busy (issue 14).
        const batchRows = Math.min(spec.batchRows ?? ctx.batchRows ?? DEFAULT_BATCH_ROWS, Math.max(1, chunk.rows));
        const request = {
          predictor: spec.predictor,
          source: threadSource!,
          fromSql: source,
          rowKeys: keyed ? ROW_KEYS : undefined,
          batchRows,
          runId,
          worker,
          chunk: index,
          required,
          outputTableDefinition: spec.outputTableDefinition,
          allowNonFinite: spec.allowNonFinite ?? false,
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
              const output = new OutputWriter(writer, spec.predictor, spec.outputTableDefinition);
              let inputColumns: string[] = [];
              let batch = 0;
              let rows = 0;
              // Sent to the scorer; with a thread, one batch may be out while the next is read.
              let dispatched = 0;
              let sent = 0;
              const inFlight = new OneAhead();
              for await (const table of readRecordBatches(reader, source, batchRows)) {
                if (activity.cancellationSignal.aborted) throw new CancelledFailure('scoring cancelled');
                const input = predictorInput(table, spec.predictor, keyed ? ROW_KEYS : []);
                inputColumns = input.inputColumns;
                const finite = spec.allowNonFinite ? undefined : { place, firstRow: dispatched };
                const scored = scorer.score(input.features, { runId, worker, chunk: index, batch: sent++ }, finite);
                const n = table.numRows;
                dispatched += n;
                // The next batch is read into the same buffers while this one is out.
                const keyColumns = scorer.copiesInput ? ownBuffers(input.keyColumns) : input.keyColumns;
                await inFlight.add(
                  scored,
                  async (columns) => {
                    columns.push(...keyColumns);
                    await output.append(columns, n);
                    rows += n;
                    onProgress(++batch, rows);
                  },
                  !scorer.copiesInput,
                );
              }
              await inFlight.drain();
              return output.finish(scratch, keyed ? { source, keys: ROW_KEYS, inputColumns } : undefined);
            });
        if (activity.cancellationSignal.aborted) throw new CancelledFailure('scoring cancelled');
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

async function reuse(ctx: ActivityContext, key: string, chunk: Chunk, bytesOut: number): Promise<ChunkResult> {
  const copy = await ctx.stage.localCopy(key);
  try {
    const rowsOut = await withEngine(async (conn) => {
      const reader = await conn.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata(${quoteLiteral(copy.path)})`);
      return Number(reader.getRows()[0][0]);
    });
    return { rowsIn: chunk.rows, rowsOut, bytesOut, reused: true };
  } finally {
    await copy.release();
  }
}
