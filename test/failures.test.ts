// What goes wrong and what it must not do: retried chunks leave no duplicate or gap; bad predictor
// output fails fast without retries; a failed publish leaves the table as it was.
import type * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linearDemo } from '../src/predictors/linearDemo.js';
import type { PredictorMap } from '../src/predictors/types.js';
import { compareWithExpected, createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { failureOf } from './support/wait.js';

describe('failures', () => {
  let h: Harness;
  const calls: Record<string, number> = {};
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const predictors: PredictorMap = {
    // Fails on the second record batch of chunk 1, once: mid-chunk, after output was appended.
    flaky: (input, ctx) => {
      if (ctx.chunk === 1 && ctx.batch === 1 && count('flaky-failed') === 1) throw new Error('model server hiccup');
      return linearDemo(input);
    },
    shortRows: (input) => {
      count('shortRows');
      const out = linearDemo(input) as Record<string, arrow.Vector | Float64Array | Int32Array>;
      return { id: out.id, score: (out.score as Float64Array).subarray(1), label: out.label };
    },
    noScore: (input) => {
      count('noScore');
      return { id: input.getChild('id')! };
    },
  };

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 40_000);
    await h.startWorker({ predictors, batchRows: 4096 });
  });
  afterAll(() => h?.close());

  it('a chunk that fails mid-way is retried and leaves no duplicate and no missing row', async () => {
    const { runId } = await h.client.startBatchInference(seedSpec({ predictor: 'flaky', batchSizeInMb: 0.05, parallelWorkers: 2 }));
    const summary = await h.client.waitForResult(runId);
    expect(calls['flaky-failed']).toBeGreaterThanOrEqual(1);
    expect(summary.rowsOut).toBe(20_000);
    expect(await compareWithExpected(h, 'MODEL_PREDICTIONS_DAILY')).toEqual({
      missing: 0,
      extra: 0,
      wrong: 0,
      published: 20_000,
      expected: 20_000,
    });
    const [{ ids, distinctIds }] = await h.sql<{ ids: number; distinctIds: number }>(
      'SELECT count(*)::INTEGER AS ids, count(DISTINCT id)::INTEGER AS "distinctIds" FROM MODEL_PREDICTIONS_DAILY',
    );
    expect(distinctIds).toBe(ids);
  });

  it('a predictor returning the wrong number of rows fails the run at once, and the table keeps its rows', async () => {
    const before = await h.sql<{ n: number }>('SELECT count(*)::INTEGER AS n FROM MODEL_PREDICTIONS_DAILY');
    const { runId } = await h.client.startBatchInference(seedSpec({ predictor: 'shortRows', batchSizeInMb: 100, parallelWorkers: 1 }));
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('PredictorOutputError');
    expect(failure.message).toMatch(/column "score" has 4095 rows for 4096 input rows/);
    expect(calls.shortRows).toBe(1); // not retried
    expect(await h.sql('SELECT count(*)::INTEGER AS n FROM MODEL_PREDICTIONS_DAILY')).toEqual(before);
    expect(await h.client.getProgress(runId)).toMatchObject({ state: 'failed', error: expect.stringContaining('4095 rows') });
  });

  it('a predictor missing a defined column fails naming the column', async () => {
    const { runId } = await h.client.startBatchInference(seedSpec({ predictor: 'noScore', outputTableName: 'NEVER_CREATED' }));
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('PredictorOutputError');
    expect(failure.message).toMatch(/missing column\(s\) "score", "label" required by outputTableDefinition/);
    expect(calls.noScore).toBe(1);
    await expect(h.sql('SELECT * FROM NEVER_CREATED')).rejects.toThrow(/does not exist/);
  });

  it('a load that fails inside the transaction leaves the old rows (atomic overwrite)', async () => {
    await h.sql(`CREATE TABLE TYPED_TARGET (id BIGINT, score DOUBLE, label DATE)`);
    await h.sql(`INSERT INTO TYPED_TARGET VALUES (1, 0.5, DATE '2026-01-01'), (2, 0.25, DATE '2026-01-02')`);
    // Without outputTableDefinition only the load finds the mismatch (with one, preparing refuses the run:
    // see malformed-inputs.test.ts).
    const { runId } = await h.client.startBatchInference(
      seedSpec({ outputTableName: 'TYPED_TARGET', overwrite: true, outputTableDefinition: undefined }),
    );
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('PublishError');
    expect(failure.message).toMatch(/Cannot load predictions into TYPED_TARGET/);
    expect(await h.sql('SELECT id::INTEGER AS id FROM TYPED_TARGET ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('autoCreateTable false with a missing table fails with the fix in the message', async () => {
    const { runId } = await h.client.startBatchInference(seedSpec({ outputTableName: 'MISSING_TABLE', autoCreateTable: false }));
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('PublishError');
    expect(failure.message).toBe('Table MISSING_TABLE does not exist: create it first or set autoCreateTable: true');
  });

  it('a query the warehouse rejects fails in preparing with its message, without retries', async () => {
    const { runId } = await h.client.startBatchInference(seedSpec({ inputQuery: 'SELECT id, nope FROM {schema}.model_features' }));
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('QueryError');
    expect(failure.message).toMatch(/Binder Error.*nope/s);
  });
});
