// A predictor thread's factory exports (ModulePredictorSource.init, what ONNX models use): the factory
// runs once per thread and init, its predictor scores every batch, and an export that does not return
// a function fails the batch with a message saying so.
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { threadScorer, type ModulePredictorSource } from '../../src/predictors/isolation/batchScorer.js';
import { PredictorThreads } from '../../src/predictors/isolation/predictorThreads.js';

const moduleUrl = new URL('../fixtures/factoryPredictors.ts', import.meta.url).href;
const threads = new PredictorThreads(256);
const context = { runId: 'r', worker: 0, chunk: 0 } as never;
const scorer = (source: ModulePredictorSource) =>
  threadScorer(source, threads, {
    predictor: 'factory',
    place: { worker: 0, chunk: 0 },
    timeoutPerBatch: 60,
    bounds: { deadline: Date.now() + 60_000, signal: new AbortController().signal, heartbeat: () => {}, heartbeatEveryMs: 10_000 },
  });
const batch = (...x: number[]) => arrow.tableFromArrays({ x: Float64Array.from(x) });
const column = (columns: { name: string; values: unknown }[], name: string) =>
  Array.from(columns.find((c) => c.name === name)!.values as Float64Array);

describe('factory exports in a predictor thread', () => {
  afterAll(() => threads.close());

  it('calls the factory once with init and scores every batch with what it returned', async () => {
    const s = scorer({ moduleUrl, exportName: 'scaled', init: { factor: 3 } });
    expect(column(await s.score(batch(1, 2), context), 'y')).toEqual([3, 6]);
    const second = await s.score(batch(5), context);
    expect(column(second, 'y')).toEqual([15]);
    expect(column(second, 'made')).toEqual([1]);
    // Another init is another predictor in the same thread.
    s.close();
    const other = scorer({ moduleUrl, exportName: 'scaled', init: { factor: -1 } });
    const out = await other.score(batch(4), context);
    expect(column(out, 'y')).toEqual([-4]);
    expect(column(out, 'made')).toEqual([2]);
    other.close();
  });

  it('fails the batch when the factory does not return a function', async () => {
    const s = scorer({ moduleUrl, exportName: 'notAFactory', init: {} });
    await expect(s.score(batch(1), context)).rejects.toThrow(/"notAFactory" did not return a predictor function/);
    s.close();
  });
});
