// parallelWorkers means what it says, and a run that stops early says how far it got.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PredictorOutputError } from '../src/predictors/errors.js';
import { linearDemo } from '../src/predictors/linearDemo.js';
import type { PredictorMap } from '../src/predictors/types.js';
import { compareWithExpected, createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { failureOf } from './support/wait.js';

describe('parallelism and progress of runs that stop early', () => {
  let h: Harness;
  const predictors: PredictorMap = {
    // Bad output from chunk 2 on: chunks 0 and 1 are scored first (one slice scores them in order).
    failsOnThirdChunk: (input, ctx) => {
      if (ctx.chunk >= 2) throw new PredictorOutputError('failsOnThirdChunk', 'refuses chunk 2');
      return linearDemo(input);
    },
  };

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 400_000); // 200,000 rows on the seed's date
    await h.startWorker({ predictors, batchRows: 4096 });
  });
  afterAll(() => h?.close());

  it('a small input at the default batch size is cut so every one of 8 workers gets a chunk', async () => {
    const { runId } = await h.client.startBatchInference(seedSpec({ parallelWorkers: 8, batchSizeInMb: 256 }));
    const summary = await h.client.waitForResult(runId);
    expect(summary).toMatchObject({ workers: 8, workersRequested: 8, chunks: 8, rowsOut: 200_000 });
    expect(await compareWithExpected(h, 'MODEL_PREDICTIONS_DAILY')).toMatchObject({ missing: 0, extra: 0, wrong: 0 });
    expect(await h.client.getProgress(runId)).toMatchObject({ workers: 8, workersRequested: 8 });
  });

  it('an input too small for its workers uses fewer and says so', async () => {
    const { runId } = await h.client.startBatchInference(
      seedSpec({
        inputQuery: `SELECT id, feature_1, feature_2 FROM {{schema}}.model_features WHERE ds = '{ds}' AND id < 80000`,
        parallelWorkers: 8,
        batchSizeInMb: 256,
      }),
    );
    const summary = await h.client.waitForResult(runId);
    expect(summary.rowsOut).toBe(40_000);
    expect(summary.workersRequested).toBe(8);
    expect(summary.workers).toBe(2); // 40,000 rows: two chunks of at least 16,384 rows
  });

  it('a failed run reports the rows it had scored, not 0', async () => {
    const { runId } = await h.client.startBatchInference(
      seedSpec({ predictor: 'failsOnThirdChunk', parallelWorkers: 1, batchSizeInMb: 0.05 }),
    );
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('PredictorOutputError');
    const progress = await h.client.getProgress(runId);
    expect(progress.state).toBe('failed');
    // Chunk 0 is a group of its own and lands; chunk 1 finished in the group that chunk 2 failed, so it is not counted.
    expect(progress.chunksDone).toBe(1);
    expect(progress.processedRows).toBeGreaterThan(0);
    expect(progress.totalRows).toBe(200_000);
  });
});
