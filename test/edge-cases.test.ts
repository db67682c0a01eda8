// NULL features, an empty result, overwrite vs append, publishing twice, and slices that
// continue-as-new: each on the real pipeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputPrefix } from '../src/adapters/stage/stage.js';
import { compareWithExpected, createFeatures, EXPECTED_SQL, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';

describe('edge cases', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 30_000);
    await h.startWorker();
  });
  afterAll(() => h?.close());

  it('scores NULL features as coalesce(feature, 0)', async () => {
    const { runId } = await h.client.startBatchInference(seedSpec({ outputTableName: 'WITH_NULLS' }));
    await h.client.waitForResult(runId);
    const [row] = await h.sql<{ nulls: number; wrong: number }>(`
      WITH expected AS (${EXPECTED_SQL()})
      SELECT count(*)::INTEGER AS nulls,
             count(*) FILTER (WHERE abs(p.score - e.score) > 1e-9 OR p.label <> e.label)::INTEGER AS wrong
      FROM dev.model_features f JOIN WITH_NULLS p USING (id) JOIN expected e USING (id)
      WHERE f.feature_1 IS NULL OR f.feature_2 IS NULL`);
    expect(row.nulls).toBeGreaterThan(2000);
    expect(row.wrong).toBe(0);
    const [both] = await h.sql<{ score: number }>(`
      SELECT p.score FROM dev.model_features f JOIN WITH_NULLS p USING (id)
      WHERE f.feature_1 IS NULL AND f.feature_2 IS NULL LIMIT 1`);
    expect(both.score).toBe(0);
  });

  it('an empty result completes and creates an empty table with the defined columns', async () => {
    const { runId } = await h.client.startBatchInference(seedSpec({ outputTableName: 'EMPTY_OUT', ctx: { ds: '1999-01-01' } }));
    const summary = await h.client.waitForResult(runId);
    expect(summary).toMatchObject({ rowsIn: 0, rowsOut: 0, state: 'completed' });
    expect(await h.sql('SELECT count(*)::INTEGER AS n FROM EMPTY_OUT')).toEqual([{ n: 0 }]);
    const columns = await h.sql<{ column_name: string; column_type: string }>('DESCRIBE EMPTY_OUT');
    expect(columns.map((c) => [c.column_name, c.column_type])).toEqual([
      ['id', 'BIGINT'],
      ['score', 'DOUBLE'],
      ['label', 'BIGINT'],
    ]);
    expect(await h.client.getProgress(runId)).toMatchObject({ state: 'completed', totalRows: 0 });
  });

  it('without a definition the table takes the predictor output types', async () => {
    const { runId } = await h.client.startBatchInference(seedSpec({ outputTableName: 'INFERRED', outputTableDefinition: undefined }));
    await h.client.waitForResult(runId);
    const columns = await h.sql<{ column_name: string; column_type: string }>('DESCRIBE INFERRED');
    expect(columns.map((c) => [c.column_name, c.column_type])).toEqual([
      ['id', 'BIGINT'],
      ['score', 'DOUBLE'],
      ['label', 'INTEGER'],
    ]);
  });

  it('overwrite replaces rows, append adds them, and publishing a run again changes nothing', async () => {
    const run = async (overwrite: boolean) => {
      const { runId } = await h.client.startBatchInference(seedSpec({ outputTableName: 'MODES', overwrite }));
      await h.client.waitForResult(runId);
      return runId;
    };
    const count = async () => (await h.sql<{ n: number }>('SELECT count(*)::INTEGER AS n FROM MODES'))[0].n;
    await run(true);
    expect(await count()).toBe(15_000);
    const appended = await run(false);
    expect(await count()).toBe(30_000);
    await run(true);
    expect(await count()).toBe(15_000);
    expect(await compareWithExpected(h, 'MODES')).toMatchObject({ missing: 0, extra: 0, wrong: 0 });

    // The append run published again (as a retried activity would): its rows are not added twice.
    const { runId: executionId } = await h.temporal.workflow.getHandle(appended).describe();
    const again = await h.warehouse.publish({
      runId: appended,
      publishId: `${appended}/${executionId}`,
      table: 'MODES',
      autoCreateTable: true,
      overwrite: false,
      stage: h.stage,
      prefix: outputPrefix(appended),
      useUtc: true,
    });
    expect(again).toEqual({ table: 'MODES', rows: 15_000, loaded: false });
    expect(await count()).toBe(15_000);
  });

  it('a run started again under the same id scores afresh: nothing of the first execution is reused', async () => {
    const runId = `same-id-${Date.now()}`;
    const first = seedSpec({ outputTableName: 'RESTARTED', ctx: { ds: '2026-02-26' }, overwrite: false });
    await h.client.waitForResult((await h.client.startBatchInference(first, { runId })).runId);
    await h.sql('DELETE FROM RESTARTED');
    const second = seedSpec({ outputTableName: 'RESTARTED', ctx: { ds: '2026-02-25' }, overwrite: false });
    const summary = await h.client.waitForResult((await h.client.startBatchInference(second, { runId })).runId);
    expect(summary.rowsOut).toBe(15_000);
    expect(await compareWithExpected(h, 'RESTARTED', `ds = '2026-02-25'`)).toEqual({
      missing: 0,
      extra: 0,
      wrong: 0,
      published: 15_000,
      expected: 15_000,
    });
  });

  it('slices that continue-as-new still score every chunk exactly once', async () => {
    const { runId } = await h.client.startBatchInference(
      seedSpec({ outputTableName: 'CONTINUED', batchSizeInMb: 0.01, parallelWorkers: 2 }),
      { runOptions: { chunksPerRun: 2 } },
    );
    const summary = await h.client.waitForResult(runId);
    expect(summary.chunks).toBeGreaterThanOrEqual(6);
    expect(summary.workers).toBe(2);
    const runs = [];
    const query = `WorkflowId = '${runId}-worker-0' OR WorkflowId = '${runId}-worker-1'`;
    for await (const execution of h.temporal.workflow.list({ query })) runs.push(execution);
    // Two chunks per run: at least ceil(chunks / 2) runs across the two slices, so some continued-as-new.
    expect(runs.length).toBeGreaterThanOrEqual(Math.ceil(summary.chunks / 2));
    expect(await compareWithExpected(h, 'CONTINUED')).toEqual({ missing: 0, extra: 0, wrong: 0, published: 15_000, expected: 15_000 });
  });
});
