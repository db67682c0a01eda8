import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWithExpected, createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';

describe('batch inference on DuckDB + local stage', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 200_000);
    await h.startWorker();
  });
  afterAll(() => h?.close());

  it('scores every row exactly once and publishes values equal to DuckDB computing them', async () => {
    const { runId } = await h.client.startBatchInference(seedSpec());
    const summary = await h.client.waitForResult(runId);
    expect(summary.state).toBe('completed');
    expect(summary.rowsIn).toBe(100_000);
    expect(summary.rowsOut).toBe(100_000);
    expect(summary.chunks).toBeGreaterThan(1);
    expect(summary.workers).toBeGreaterThan(1);
    const diff = await compareWithExpected(h, 'MODEL_PREDICTIONS_DAILY');
    expect(diff).toEqual({ missing: 0, extra: 0, wrong: 0, published: 100_000, expected: 100_000 });
    const progress = await h.client.getProgress(runId);
    expect(progress).toMatchObject({ state: 'completed', totalRows: 100_000, processedRows: 100_000, percentage: 100 });
  });
});
