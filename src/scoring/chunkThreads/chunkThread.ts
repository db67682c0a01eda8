// Runs inside a chunk thread: scores whole chunks with the thread's own DuckDB (one in-memory
// instance, two connections, kept across chunks) and the chunk's predictor loaded here, so that a
// worker's chunks read, predict, append and write on as many cores as it has threads.
// One chunk at a time; progress goes back after every batch, the output file is left at `scratch`.
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { importPredictorModule } from '../../predictors/importModule.js';
import { LoadedPredictors } from '../../predictors/isolation/loadSource.js';
import { toThreadError } from '../../predictors/isolation/protocol.js';
import { normalizeOutput, type OutputColumn } from '../../predictors/normalizeOutput.js';
import { openChunkIO } from '../chunkIO.js';
import type { PredictorInput } from '../predictorInput.js';
import { batchWritten, closeThread, endChunk, stopChunk } from './threadHooks.js';
import { ChunkState, type ChunkRequest, type FromThread, type ToThread } from './protocol.js';

const state = new Int32Array(workerData.state as SharedArrayBuffer);
const post = (message: FromThread) => parentPort!.postMessage(message);

/** The main thread stopped this chunk (a cancel or timeoutPerBatch): answered with `stopped`. */
class ChunkStopped extends Error {}

/** Enters user code: from here until leaveUserCode the main thread may terminate this thread. */
function enterUserCode(): void {
  if (Atomics.compareExchange(state, 0, ChunkState.OURS, ChunkState.USER_CODE) !== ChunkState.OURS) throw new ChunkStopped();
}

/** Back in our own code; when the main thread is terminating us meanwhile, start no DuckDB call: wait for the end. */
async function leaveUserCode(): Promise<void> {
  if (Atomics.compareExchange(state, 0, ChunkState.USER_CODE, ChunkState.OURS) !== ChunkState.USER_CODE) await new Promise(() => {});
}

function checkStop(): void {
  if (Atomics.load(state, 0) === ChunkState.STOPPING) throw new ChunkStopped();
}

interface Connections {
  reader: DuckDBConnection;
  writer: DuckDBConnection;
}

let db: Promise<DuckDBInstance> | undefined;
let opening: Promise<Connections> | undefined;
/** The open connections, for interrupting them from the message handler. */
let conns: Connections | undefined;

function connections(): Promise<Connections> {
  // Row order inside a chunk carries no meaning (as in the worker's own engine, localEngine.ts).
  db ??= import('@duckdb/node-api').then(({ DuckDBInstance }) =>
    DuckDBInstance.create(':memory:', {
      preserve_insertion_order: 'false',
      threads: String(workerData.duckdbThreads),
      memory_limit: `${workerData.duckdbMemoryMb}MB`,
    }),
  );
  const instance = db;
  opening ??= (async () => {
    const open = { reader: await (await instance).connect(), writer: await (await instance).connect() };
    conns = open;
    return open;
  })();
  opening.catch(() => (opening = undefined));
  return opening;
}

/** After a failed or stopped chunk: fresh connections for the next one (no temp table, no interrupt left over). */
function dropConnections(): void {
  conns?.reader.closeSync();
  conns?.writer.closeSync();
  conns = undefined;
  opening = undefined;
}

const predictors = new LoadedPredictors(importPredictorModule);

/** Runs user code (a module's top level, a factory, a predictor) where the main thread may terminate us. */
async function inUserCode<T>(fn: () => T | Promise<T>): Promise<T> {
  enterUserCode();
  try {
    return await fn();
  } finally {
    await leaveUserCode();
  }
}

/** A batch sent to the predictor whose answer is still to be written. */
interface Scored {
  input: PredictorInput;
  rows: number;
  columns: Promise<OutputColumn[]>;
}

async function scoreChunk(request: ChunkRequest): Promise<number> {
  // DuckDB open before any user code: a thread terminated in user code must have no DuckDB call in flight.
  const { reader, writer } = await connections();
  const predict = predictors.ready(request.source) ?? (await inUserCode(() => predictors.load(request.source)));
  const io = await openChunkIO({ reader, writer }, request);
  const place = { worker: request.worker, chunk: request.chunk };
  // A predictor whose work runs in a process of its own gets the next batch before the previous answer
  // is written, so the process scores while this thread writes and reads; only when a batch stays as
  // it is while the next one is read, and never for code that runs in this thread (it must run inside
  // inUserCode, one call at a time).
  const ahead = request.source.pipelined === true && request.source.stopsItself === true && io.keepsBatchWhileNextIsRead;
  let sent = 0;
  let sentRows = 0;
  let batch = 0;
  let rows = 0;
  const write = async ({ input, rows: n, columns }: Scored) => {
    await io.append(await columns, n, input);
    batchWritten();
    rows += n;
    batch++;
    post({ type: 'progress', id: request.id, batch, rows });
  };
  try {
    checkStop();
    let out: Scored | undefined;
    for await (const input of io.batches) {
      checkStop();
      const n = input.features.numRows;
      const finite = request.allowNonFinite ? undefined : { place, firstRow: sentRows };
      const context = { runId: request.runId, worker: request.worker, chunk: request.chunk, batch: sent++ };
      sentRows += n;
      const scored = async () => normalizeOutput(request.predictor, await predict(input.features, context), n, request.required, finite);
      if (!ahead) {
        // A predictor that stops itself (its work runs in a process) is our code: the thread is not terminated for it.
        const columns = request.source.stopsItself ? await scored() : await inUserCode(scored);
        await write({ input, rows: n, columns: Promise.resolve(columns) });
        continue;
      }
      const next: Scored = { input, rows: n, columns: scored() };
      next.columns.catch(() => {}); // awaited when written; a failure before then fails the chunk there
      if (out) await write(out);
      out = next;
    }
    if (out) await write(out);
    checkStop();
    return await io.finish();
  } catch (err) {
    io.abort();
    throw err;
  }
}

let current: number | undefined;
let interrupting: NodeJS.Timeout | undefined;

async function handle(request: ChunkRequest): Promise<void> {
  current = request.id;
  try {
    const rowsOut = await scoreChunk(request);
    // Finished as the stop arrived: nobody will upload this file, so it is not left behind.
    if (Atomics.load(state, 0) === ChunkState.STOPPING) throw new ChunkStopped();
    post({ type: 'done', id: request.id, rowsOut });
  } catch (err) {
    dropConnections();
    // A write stopped half-way may have left a partial file; the activity may have removed it already.
    await fs.rm(request.scratch, { force: true }).catch(() => {});
    if (err instanceof ChunkStopped || Atomics.load(state, 0) === ChunkState.STOPPING) post({ type: 'stopped', id: request.id });
    else post({ type: 'failed', id: request.id, error: toThreadError(err) });
  } finally {
    current = undefined;
    endChunk();
  }
}

// Started with the thread, while its first chunk is still being fetched from the stage. The pool
// terminates an idle thread only after this has settled (a DuckDB open in flight aborts the process too).
connections().then(
  () => post({ type: 'ready' }),
  () => post({ type: 'ready' }),
);

parentPort!.on('message', (message: ToThread) => {
  if (message.type === 'chunk') {
    void handle(message);
    return;
  }
  if (message.type === 'close') {
    void closeThread().then(() => post({ type: 'closed' }));
    return;
  }
  // A stop: the DuckDB call in flight (a read, the parquet write) fails at once with an interrupt.
  // Repeated until the chunk answers: a stop that lands between two calls would miss the next one
  // (an interrupt only ends the statement running at that moment).
  if (message.id !== current || interrupting) return;
  const interrupt = () => {
    if (current !== message.id) {
      clearInterval(interrupting);
      interrupting = undefined;
      return;
    }
    conns?.reader.interrupt();
    conns?.writer.interrupt();
  };
  interrupting = setInterval(interrupt, 20);
  interrupt();
  stopChunk();
});
