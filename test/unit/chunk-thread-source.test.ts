// Which code may score on a chunk thread (src/scoring/chunkThreads/threadSource.ts): a chunk thread holds
// a DuckDB, and a thread ended inside a DuckDB call aborts the worker, so only our own modules go there
// unless the operator vouches for its BATCH_PREDICTORS modules. A registered js model never does.
import { describe, expect, it } from 'vitest';
import { BUILTIN_PREDICTORS } from '../../src/predictors/registry.js';
import { BUILTIN_SOURCES } from '../../src/predictors/sources.js';
import { chunkThreadSource } from '../../src/scoring/chunkThreads/threadSource.js';

const onnxSource = { moduleUrl: new URL('../../src/models/kinds/onnxThread.ts', import.meta.url).href, exportName: 'onnxThreadPredictor' };
const userModule = { moduleUrl: 'file:///srv/models/cache/churn/3/model.mjs', exportName: 'predict' };
const operatorModule = { moduleUrl: 'file:///opt/predictors/mine.mjs', exportName: 'mine' };

describe('chunkThreadSource', () => {
  const ctx = (trustModules: boolean) => ({
    predictors: { ...BUILTIN_PREDICTORS, mine: () => ({}) },
    predictorSources: { mine: operatorModule },
    chunkThreads: { trustModules },
  });

  it('takes the built-ins and the ONNX kind (our code; the model is data)', () => {
    expect(chunkThreadSource(ctx(false), 'linear-demo', undefined)).toBe(BUILTIN_SOURCES['linear-demo']);
    expect(chunkThreadSource(ctx(false), 'churn', { source: onnxSource })).toBe(onnxSource);
  });

  it('never takes a registered js model, trusted or not', () => {
    expect(chunkThreadSource(ctx(false), 'churn', { source: userModule })).toBeUndefined();
    expect(chunkThreadSource(ctx(true), 'churn', { source: userModule })).toBeUndefined();
  });

  it('takes a BATCH_PREDICTORS module only when the operator vouches for it (BATCH_CHUNK_THREAD_MODULES=trusted)', () => {
    expect(chunkThreadSource(ctx(false), 'mine', undefined)).toBeUndefined();
    expect(chunkThreadSource(ctx(true), 'mine', undefined)).toBe(operatorModule);
  });

  it('does not take a built-in name that code replaced with its own function', () => {
    expect(chunkThreadSource({ ...ctx(false), predictors: { 'linear-demo': () => ({}) } }, 'linear-demo', undefined)).toBeUndefined();
  });
});
