// Chunk threads (issue 14): a worker scores whole chunks on worker threads with their own DuckDB, so
// one worker uses every core. Proven here: chunks are scored on chunk threads (the predictor reports
// where it ran), two chunks are scored at once on two threads (both reach the predictor before the
// test releases either: BroadcastChannel messages, no timing), errors thrown in a thread arrive as on
// the main-thread path (BATCH_CHUNK_THREADS=0), and a chunk stopped inside our own code (reading
// 50M rows with DuckDB) leaves its thread alive and reusable; includeInputColumns keeps every row's input on both
// paths. Timeouts, cancels, crashes and the memory bound
// inside user code on a chunk thread: test/security-predictors.test.ts (module predictors now score
// there).
import fs from 'node:fs';
import path from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { ChunkThreads } from '../src/scoring/chunkThreads/chunkThreads.js';
import { ARRIVED_CHANNEL, RELEASE_CHANNEL, type Arrived } from './fixtures/chunkThreadPredictors.js';
import { compareWithExpected, createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { failureOf, until, within } from './support/wait.js';

const MODULE = fileURLToPath(new URL('./fixtures/chunkThreadPredictors.ts', import.meta.url));

const WHERE_DEFINITION = [
  ['id', 'NUMBER'],
  ['score', 'FLOAT'],
  ['label', 'NUMBER'],
  ['thread', 'NUMBER'],
  ['on_chunk_thread', 'NUMBER'],
];

describe('chunk threads', () => {
  let h: Harness;
  /** The same module on a worker without chunk threads: today's path, for comparing errors. */
  let off: Harness;
  /** Chunk threads on, but BATCH_PREDICTORS modules not vouched for (the default). */
  let isolated: Harness;
  const arrivals: Arrived[] = [];
  const waiters: (() => void)[] = [];
  const arrived = new BroadcastChannel(ARRIVED_CHANNEL);
  arrived.onmessage = (event) => {
    arrivals.push((event as unknown as { data: Arrived }).data);
    waiters.splice(0).forEach((wake) => wake());
  };
  const arrivalsOf = async (runId: string, count: number) => {
    while (arrivals.filter((a) => a.runId === runId).length < count) await new Promise<void>((r) => waiters.push(r));
    return arrivals.filter((a) => a.runId === runId);
  };

  beforeAll(async () => {
    // The operator vouches for its BATCH_PREDICTORS module: it may score on chunk threads.
    h = await createHarness({
      BATCH_PREDICTORS: MODULE,
      BATCH_MAX_CONCURRENT_ACTIVITIES: '4',
      BATCH_CHUNK_THREADS: '2',
      BATCH_CHUNK_THREAD_MODULES: 'trusted',
    });
    off = await createHarness({ BATCH_PREDICTORS: MODULE, BATCH_CHUNK_THREADS: '0' });
    isolated = await createHarness({ BATCH_PREDICTORS: MODULE, BATCH_CHUNK_THREADS: '2' });
    for (const harness of [h, off, isolated]) {
      await createFeatures(harness, 80_000);
      await harness.startWorker({ batchRows: 4096 });
    }
  });
  afterAll(async () => {
    arrived.close();
    await h?.close();
    await off?.close();
    await isolated?.close();
  });

  it('keeps a module the operator has not vouched for off chunk threads: it scores on predictor threads, beside no DuckDB', async () => {
    // A module's stray asynchronous throw, process.exit or heap overflow ends its thread at any moment; on a
    // chunk thread that moment can be inside a DuckDB call, which aborts the whole worker process.
    const { runId } = await isolated.client.startBatchInference(
      seedSpec({ predictor: 'whereScored', outputTableName: 'WHERE_OUT', outputTableDefinition: WHERE_DEFINITION, parallelWorkers: 2 }),
    );
    expect((await isolated.client.waitForResult(runId)).rowsOut).toBe(40_000);
    const [where] = await isolated.sql<{ chunk_thread_rows: number; main: number }>(
      `SELECT sum(on_chunk_thread)::INTEGER AS chunk_thread_rows, count(*) FILTER (WHERE thread = 0)::INTEGER AS main FROM WHERE_OUT`,
    );
    expect(where).toEqual({ chunk_thread_rows: 0, main: 0 });
  });

  it('scores chunks on chunk threads, not on the main thread; with BATCH_CHUNK_THREADS=0 not on them', async () => {
    const spec = seedSpec({
      predictor: 'whereScored',
      outputTableName: 'WHERE_OUT',
      outputTableDefinition: WHERE_DEFINITION,
      parallelWorkers: 2,
    });
    const on = await h.client.startBatchInference(spec);
    expect((await h.client.waitForResult(on.runId)).rowsOut).toBe(40_000);
    expect(await compareWithExpected(h, 'WHERE_OUT')).toMatchObject({ missing: 0, extra: 0, wrong: 0 });
    const [where] = await h.sql<{ chunk_thread_rows: number; threads: number; main: number }>(
      `SELECT sum(on_chunk_thread)::INTEGER AS chunk_thread_rows, count(DISTINCT thread)::INTEGER AS threads,
        count(*) FILTER (WHERE thread = 0)::INTEGER AS main FROM WHERE_OUT`,
    );
    expect(where).toEqual({ chunk_thread_rows: 40_000, threads: expect.any(Number), main: 0 });

    const offRun = await off.client.startBatchInference(spec);
    await off.client.waitForResult(offRun.runId);
    const [offWhere] = await off.sql<{ chunk_thread_rows: number }>(
      `SELECT sum(on_chunk_thread)::INTEGER AS chunk_thread_rows FROM WHERE_OUT`,
    );
    expect(offWhere.chunk_thread_rows).toBe(0);
  });

  it('with includeInputColumns every row keeps its own input, on a chunk thread and on a predictor thread', async () => {
    // On a predictor thread (BATCH_CHUNK_THREADS=0) a batch's row keys are read while the previous batch
    // is still out in the thread: a key buffer shared with the next batch would join predictions to the wrong rows.
    const spec = seedSpec({
      predictor: 'whereScored',
      outputTableName: 'WIDE_OUT',
      outputTableDefinition: WHERE_DEFINITION,
      includeInputColumns: true,
      parallelWorkers: 1,
      batchSizeInMb: 100,
    });
    for (const [harness, onChunkThread] of [
      [h, 1],
      [off, 0],
    ] as const) {
      const { runId } = await harness.client.startBatchInference(spec);
      expect((await harness.client.waitForResult(runId)).rowsOut).toBe(40_000);
      expect(await compareWithExpected(harness, 'WIDE_OUT')).toMatchObject({ missing: 0, extra: 0, wrong: 0 });
      const [where] = await harness.sql<{ mismatched: number; kinds: number[]; main: number }>(`SELECT
          count(*) FILTER (WHERE w.feature_1 IS DISTINCT FROM f.feature_1 OR w.feature_2 IS DISTINCT FROM f.feature_2)::INTEGER AS mismatched,
          list(DISTINCT w.on_chunk_thread::INTEGER) AS kinds, count(*) FILTER (WHERE w.thread = 0)::INTEGER AS main
        FROM WIDE_OUT w JOIN dev.model_features f USING (id)`);
      expect(where).toEqual({ mismatched: 0, kinds: [onChunkThread], main: 0 });
    }
  });

  it('scores two chunks at once on two chunk threads: both reach the predictor before either is released', async () => {
    // 40,000 rows: two slices of one chunk each (chunks are at least 16,384 rows); with one thread (or none) the second chunk would not reach a chunk thread while the first is held.
    const { runId } = await h.client.startBatchInference(
      seedSpec({
        predictor: 'heldTogether',
        outputTableName: 'HELD_OUT',
        outputTableDefinition: WHERE_DEFINITION,
        parallelWorkers: 2,
        batchSizeInMb: 100,
        timeoutPerBatch: 300,
      }),
    );
    // Released whatever happens: a chunk left held would keep a thread from the later tests.
    const release = () => {
      const channel = new BroadcastChannel(RELEASE_CHANNEL);
      channel.postMessage({ runId });
      channel.close();
    };
    try {
      const both = await within(arrivalsOf(runId, 2), 60_000, 'both chunks reaching the predictor');
      expect(both.map((a) => a.onChunkThread)).toEqual([1, 1]);
      expect(new Set(both.map((a) => a.threadId)).size).toBe(2);
    } finally {
      release();
    }
    expect((await h.client.waitForResult(runId)).rowsOut).toBe(40_000);
    expect(await compareWithExpected(h, 'HELD_OUT')).toMatchObject({ missing: 0, extra: 0, wrong: 0 });
  });

  it('errors thrown in a chunk thread arrive with the same type and message as without chunk threads', async () => {
    for (const predictor of ['oneRowShort', 'modelSaysNo']) {
      const spec = seedSpec({
        predictor,
        outputTableName: `${predictor.toUpperCase()}_OUT`,
        parallelWorkers: 1,
        batchSizeInMb: 100,
        retries: 0,
      });
      const onThreads = await failureOf(h.client.waitForResult((await h.client.startBatchInference(spec)).runId));
      const today = await failureOf(off.client.waitForResult((await off.client.startBatchInference(spec)).runId));
      expect(onThreads).toEqual(today);
    }
    const spec = seedSpec({ predictor: 'oneRowShort', outputTableName: 'SHORT_OUT', parallelWorkers: 1, batchSizeInMb: 100 });
    expect(await failureOf(h.client.waitForResult((await h.client.startBatchInference(spec)).runId))).toEqual({
      message:
        'Predictor "oneRowShort" returned bad output: missing column(s) "id", "label" required by outputTableDefinition (returned: score)',
      type: 'PredictorOutputError',
    });
  });
});

describe('a chunk thread stopped inside its own code', () => {
  it('is interrupted, not terminated, and scores the next chunk', async () => {
    const threads = new ChunkThreads(1, 256);
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'bi-chunk-thread-'));
    try {
      const thread = threads.tryAcquire()!;
      const request = (file: string, scratch: string) => ({
        predictor: 'whereScored',
        source: { moduleUrl: pathToFileURL(MODULE).href, exportName: 'whereScored' },
        parts: [{ path: file }],
        includeInputColumns: false,
        batchRows: 4096,
        runId: 'r',
        worker: 0,
        chunk: 0,
        allowNonFinite: false,
        scratch: path.join(dir, scratch),
      });
      const quick = path.join(dir, 'quick.parquet');
      const slow = path.join(dir, 'slow.parquet');
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      await conn.run(
        `COPY (SELECT i::BIGINT AS id, 0.5::DOUBLE AS feature_1, 0.5::DOUBLE AS feature_2 FROM range(10) t(i)) TO '${quick}' (FORMAT parquet)`,
      );
      // 50M rows of a DECIMAL (read by DuckDB, which casts it: not parquet-wasm): seconds of reading in DuckDB.
      await conn.run(
        `COPY (SELECT 1::BIGINT AS id, 0.5::DECIMAL(9,2) AS feature_1, 0.5::DOUBLE AS feature_2 FROM range(50000000) t(i)) TO '${slow}' (FORMAT parquet)`,
      );
      conn.closeSync();
      db.closeSync();
      expect(await thread.run(request(quick, 'a.parquet'), () => {})).toEqual({ type: 'done', id: 1, rowsOut: 10 });
      void thread.run(request(slow, 'b.parquet'), () => {}).catch(() => {});
      thread.stop();
      await until(async () => (thread.idle ? true : undefined), 30_000, 'the stopped thread answering');
      expect(thread.alive).toBe(true);
      expect(threads.tryAcquire()).toBe(thread);
      expect(await thread.run(request(quick, 'c.parquet'), () => {})).toEqual({ type: 'done', id: 3, rowsOut: 10 });
    } finally {
      await threads.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
