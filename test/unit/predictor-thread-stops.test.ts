// A predictor thread (the batch path, used when no chunk thread is free or BATCH_CHUNK_THREADS=0) that
// is stopped or ends: a timeout and a cancel terminate it, its memory bound and an uncaught error end
// it, each with the error a chunk thread's chunk raises too (threadAnswer), and the pool's next batch
// gets a fresh thread. test/security-predictors.test.ts covers the same cases on chunk threads.
import { CancelledFailure } from '@temporalio/activity';
import * as arrow from 'apache-arrow';
import { BroadcastChannel } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { PredictorCrashError, PredictorMemoryError, PredictorTimeoutError } from '../../src/predictors/errors.js';
import { threadScorer } from '../../src/predictors/isolation/batchScorer.js';
import { PredictorThreads } from '../../src/predictors/isolation/predictorThreads.js';
import { STARTED_CHANNEL } from '../fixtures/hostilePredictors.js';

const moduleUrl = new URL('../fixtures/hostilePredictors.ts', import.meta.url).href;
const threads = new PredictorThreads(64);
const features = arrow.tableFromArrays({
  id: Int32Array.from([1, 2, 3]),
  feature_1: Float64Array.from([1, 2, 3]),
  feature_2: Float64Array.from([4, 5, 6]),
});
const context = (runId: string) => ({ runId, worker: 0, chunk: 0, batch: 0 });

function scorer(exportName: string, bounds: { deadlineMs?: number; signal?: AbortSignal } = {}) {
  return threadScorer({ moduleUrl, exportName }, threads, {
    predictor: exportName,
    place: { worker: 0, chunk: 0 },
    timeoutPerBatch: 2,
    bounds: {
      deadline: Date.now() + (bounds.deadlineMs ?? 60_000),
      signal: bounds.signal ?? new AbortController().signal,
      heartbeat: () => {},
      heartbeatEveryMs: 10_000,
    },
  });
}

/** Resolves when the run's predictor call has started in its thread. */
function started(runId: string): Promise<void> {
  const channel = new BroadcastChannel(STARTED_CHANNEL);
  return new Promise<void>((resolve) => {
    channel.onmessage = (event) => {
      if ((event as unknown as { data: { runId: string } }).data.runId === runId) resolve();
    };
  }).finally(() => channel.close());
}

/** A good batch on the same pool: the stopped thread was not handed out again. */
async function nextBatchScores() {
  const s = scorer('good');
  const columns = await s.score(features, context('after'));
  expect(columns.find((c) => c.name === 'score')?.values).toHaveLength(3);
  s.close();
}

describe('a predictor thread stopped or ended', () => {
  afterAll(() => threads.close());

  it('a busy loop is terminated at the deadline: PredictorTimeoutError', async () => {
    const s = scorer('busyLoop', { deadlineMs: 2_000 });
    const err = await s.score(features, context('busy')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PredictorTimeoutError);
    s.close();
    await nextBatchScores();
  });

  it('a cancel stops a call that never resolves: CancelledFailure', async () => {
    const abort = new AbortController();
    const s = scorer('neverResolves', { signal: abort.signal });
    const begun = started('cancel');
    const call = s.score(features, context('cancel')).catch((e: unknown) => e);
    await begun;
    abort.abort();
    expect(await call).toBeInstanceOf(CancelledFailure);
    s.close();
    await nextBatchScores();
  });

  it('going over the heap bound ends the thread: PredictorMemoryError naming the bound', async () => {
    const s = scorer('memoryHog');
    const err = await s.score(features, context('hog')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PredictorMemoryError);
    expect((err as PredictorMemoryError).maxMemoryMb).toBe(64);
    s.close();
    await nextBatchScores();
  });

  it('an uncaught error in a callback ends the thread: PredictorCrashError with its reason', async () => {
    const s = scorer('throwsLater');
    const err = await s.score(features, context('crash')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PredictorCrashError);
    expect((err as PredictorCrashError).reason).toBe('model server gone');
    s.close();
    await nextBatchScores();
  });
});
