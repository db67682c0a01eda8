// No predictor can hold a worker hostage (issue 11, item 3). Module predictors run in threads that are
// terminated on timeout, cancel and a memory bound; a function injected in code is given up on at
// its deadline. Every case ends with a good run on the same worker, whose two activity slots would
// both still be taken if a stopped chunk had kept its slot. No sleeps: a predictor that blocks
// forever is the gate, and each one announces its start on a BroadcastChannel. The worker scores whole
// chunks on chunk threads (BATCH_CHUNK_THREADS=2, modules trusted), and each stop case checks its calls ran on one.
import { BroadcastChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STARTED_CHANNEL } from './fixtures/hostilePredictors.js';
import { compareWithExpected, createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { failureOf, within } from './support/wait.js';

const MODULE = fileURLToPath(new URL('./fixtures/hostilePredictors.ts', import.meta.url));

interface Started {
  predictor: string;
  runId: string;
  worker: number;
  chunk: number;
  /** 1 when the call ran on a chunk thread. */
  onChunkThread: number;
}

describe('security: stuck and runaway predictors', () => {
  let h: Harness;
  const channel = new BroadcastChannel(STARTED_CHANNEL);
  const started: Started[] = [];
  const waiters: (() => void)[] = [];
  channel.onmessage = (event) => {
    started.push((event as unknown as { data: Started }).data);
    waiters.splice(0).forEach((wake) => wake());
  };
  /** Which kinds of thread the run's predictor calls started on (1: a chunk thread). */
  const threadKindsOf = (runId: string) => [...new Set(started.filter((s) => s.runId === runId).map((s) => s.onChunkThread))];
  /** Resolves once `count` calls of the run's predictor have started. */
  const startsOf = async (runId: string, count: number) => {
    while (started.filter((s) => s.runId === runId).length < count) await new Promise<void>((r) => waiters.push(r));
  };

  beforeAll(async () => {
    h = await createHarness({
      BATCH_PREDICTORS: MODULE,
      BATCH_MAX_CONCURRENT_ACTIVITIES: '2',
      BATCH_PREDICTOR_MAX_MEMORY_MB: '64',
      // Whole chunks on chunk threads whatever the machine's core count: their stop paths are the ones
      // under test (a trusted module scores there as the built-ins and ONNX models do; an untrusted one
      // never does, and its predictor-thread path: test/unit/predictor-thread-stops.test.ts).
      BATCH_CHUNK_THREADS: '2',
      BATCH_CHUNK_THREAD_MODULES: 'trusted',
    });
    await createFeatures(h, 40_000);
    await h.startWorker({
      batchRows: 4096,
      // Injected in code: cannot move to a thread, so only bounded in time.
      predictors: { injectedNever: () => new Promise<never>(() => {}) },
    });
  });
  afterAll(async () => {
    channel.close();
    await h?.close();
  });

  /** A good run on the same worker completes: proof that no stopped chunk kept an activity slot. */
  async function goodRunCompletes(table: string) {
    const { runId } = await h.client.startBatchInference(
      seedSpec({ predictor: 'good', outputTableName: table, parallelWorkers: 2, batchSizeInMb: 0.05 }),
    );
    const summary = await within(
      h.client.waitForResult(runId),
      60_000,
      'a good run on the same worker (are both activity slots still held?)',
    );
    expect(summary.rowsOut).toBe(20_000);
    expect(await compareWithExpected(h, table)).toMatchObject({ missing: 0, extra: 0, wrong: 0 });
  }

  const stuckSpec = (predictor: string, table: string) =>
    seedSpec({
      predictor,
      outputTableName: table,
      parallelWorkers: 1,
      batchSizeInMb: 100,
      timeoutPerBatch: 3,
      heartbeatTimeout: 1,
      retries: 0,
    });
  const timeoutMessage = (predictor: string) =>
    `chunk 0 of worker 0: predictor "${predictor}" did not return within timeoutPerBatch (3 s); raise timeoutPerBatch or make the predictor faster`;

  it('a never-resolving and a busy-looping module predictor time out with the limit named, and free both slots', async () => {
    // Both at once: each holds one of the worker's two slots while it is stuck.
    const never = await h.client.startBatchInference(stuckSpec('neverResolves', 'NEVER_OUT'));
    const busy = await h.client.startBatchInference(stuckSpec('busyLoop', 'BUSY_OUT'));
    const [neverFailure, busyFailure] = await Promise.all([
      failureOf(h.client.waitForResult(never.runId)),
      failureOf(h.client.waitForResult(busy.runId)),
    ]);
    expect(neverFailure).toEqual({ message: timeoutMessage('neverResolves'), type: 'PredictorTimeoutError' });
    expect(busyFailure).toEqual({ message: timeoutMessage('busyLoop'), type: 'PredictorTimeoutError' });
    expect(await h.client.getProgress(busy.runId)).toMatchObject({ state: 'failed', error: timeoutMessage('busyLoop') });
    expect(threadKindsOf(never.runId)).toEqual([1]);
    expect(threadKindsOf(busy.runId)).toEqual([1]);
    await goodRunCompletes('AFTER_STUCK');
  });

  it('a predictor injected as a function that never resolves is given up on at its deadline, and frees its slot', async () => {
    const runs = await Promise.all([
      h.client.startBatchInference(stuckSpec('injectedNever', 'INJ1_OUT')),
      h.client.startBatchInference(stuckSpec('injectedNever', 'INJ2_OUT')),
    ]);
    for (const { runId } of runs) {
      expect(await failureOf(h.client.waitForResult(runId))).toEqual({
        message: timeoutMessage('injectedNever'),
        type: 'PredictorTimeoutError',
      });
    }
    await goodRunCompletes('AFTER_INJECTED');
  });

  it('cancelling a run whose busy-looping predictor holds both slots stops the threads and frees the slots', async () => {
    // timeoutPerBatch is far beyond the test's own timeout: only the cancel can free these slots.
    const { runId } = await h.client.startBatchInference(
      seedSpec({
        predictor: 'busyLoop',
        outputTableName: 'CANCEL_OUT',
        parallelWorkers: 2,
        batchSizeInMb: 0.05,
        timeoutPerBatch: 3600,
        heartbeatTimeout: 2,
      }),
    );
    await startsOf(runId, 2);
    await h.client.cancelRun(runId);
    await expect(within(h.client.waitForResult(runId), 60_000, 'the cancel of a run with busy-looping chunks')).rejects.toThrow(
      /Workflow execution cancelled/,
    );
    expect(await h.client.getProgress(runId)).toMatchObject({ state: 'cancelled' });
    expect(threadKindsOf(runId)).toEqual([1]);
    await goodRunCompletes('AFTER_CANCEL');
  });

  it('a predictor that allocates without bound is stopped by BATCH_PREDICTOR_MAX_MEMORY_MB, once, with a clear error', async () => {
    const { runId } = await h.client.startBatchInference(
      seedSpec({ predictor: 'memoryHog', outputTableName: 'HOG_OUT', parallelWorkers: 1, batchSizeInMb: 100, retries: 2 }),
    );
    expect(await failureOf(h.client.waitForResult(runId))).toEqual({
      message:
        'chunk 0 of worker 0: predictor "memoryHog" went over the memory limit of its thread (BATCH_PREDICTOR_MAX_MEMORY_MB = 64); raise BATCH_PREDICTOR_MAX_MEMORY_MB on the worker or make the predictor use less memory',
      type: 'PredictorMemoryError',
    });
    expect(started.filter((s) => s.runId === runId)).toHaveLength(1); // not retried
    expect(threadKindsOf(runId)).toEqual([1]);
    await goodRunCompletes('AFTER_HOG');
  });

  it('a predictor whose thread dies from an uncaught error fails naming it, and the slot is freed', async () => {
    // A long timeoutPerBatch: a fresh thread's start-up (seconds on a loaded machine) must not win the race.
    const { runId } = await h.client.startBatchInference({
      ...stuckSpec('throwsLater', 'CRASH_OUT'),
      timeoutPerBatch: 120,
      heartbeatTimeout: 5,
    });
    expect(await failureOf(h.client.waitForResult(runId))).toEqual({
      message:
        'chunk 0 of worker 0: predictor "throwsLater" ended its thread (exit code 1, uncaught: model server gone) without returning; a predictor must return its predictions (or throw from the call), not exit or throw from a callback',
      type: 'PredictorCrashError',
    });
    await goodRunCompletes('AFTER_CRASH');
  });

  it('NaN and ±Infinity predictions fail the chunk naming the column and the first bad row', async () => {
    const nan = await h.client.startBatchInference(
      seedSpec({ predictor: 'nanScore', outputTableName: 'NAN_OUT', parallelWorkers: 1, batchSizeInMb: 100 }),
    );
    expect(await failureOf(h.client.waitForResult(nan.runId))).toEqual({
      message:
        'chunk 0 of worker 0: predictor "nanScore" returned NaN in column "score" at row 5 of the chunk (the first such value); return finite numbers, or set allowNonFinite: true in the spec to keep NaN and ±Infinity',
      type: 'NonFiniteOutputError',
    });
    const inf = await h.client.startBatchInference(
      seedSpec({ predictor: 'infinityScore', outputTableName: 'INF_OUT', parallelWorkers: 1, batchSizeInMb: 100 }),
    );
    expect((await failureOf(h.client.waitForResult(inf.runId))).message).toBe(
      'chunk 0 of worker 0: predictor "infinityScore" returned -Infinity in column "score" at row 4099 of the chunk (the first such value); return finite numbers, or set allowNonFinite: true in the spec to keep NaN and ±Infinity',
    );
    await expect(h.sql('SELECT * FROM NAN_OUT')).rejects.toThrow(/does not exist/);
  });

  it('a module predictor in a thread with includeInputColumns: every row keeps its own input (batches overlap reading)', async () => {
    // On a chunk thread here; the predictor-thread path, where the row keys of a batch are read while the
    // previous batch is still out in the thread, is checked in test/chunk-threads.test.ts.
    const { runId } = await h.client.startBatchInference(
      seedSpec({ predictor: 'good', outputTableName: 'WIDE_OUT', includeInputColumns: true, parallelWorkers: 1, batchSizeInMb: 100 }),
    );
    expect((await h.client.waitForResult(runId)).rowsOut).toBe(20_000);
    expect(await compareWithExpected(h, 'WIDE_OUT')).toMatchObject({ missing: 0, extra: 0, wrong: 0 });
    const [{ mismatched }] = await h.sql<{ mismatched: number }>(`SELECT count(*)::INTEGER AS mismatched FROM WIDE_OUT w
      JOIN dev.model_features f USING (id) WHERE w.feature_1 IS DISTINCT FROM f.feature_1 OR w.feature_2 IS DISTINCT FROM f.feature_2`);
    expect(mismatched).toBe(0);
  });

  it('allowNonFinite: true keeps NaN and ±Infinity predictions', async () => {
    const { runId } = await h.client.startBatchInference(
      seedSpec({ predictor: 'nanScore', outputTableName: 'NAN_KEPT', parallelWorkers: 1, batchSizeInMb: 100, allowNonFinite: true }),
    );
    expect((await h.client.waitForResult(runId)).rowsOut).toBe(20_000);
    const [{ nans }] = await h.sql<{ nans: number }>('SELECT count(*)::INTEGER AS nans FROM NAN_KEPT WHERE isnan(score)');
    expect(nans).toBe(Math.ceil(20_000 / 4096)); // row 5 of each record batch
  });
});
