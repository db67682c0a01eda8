// Model references become stage keys: a name or version that could leave models/<name>/<version>/ is refused.
import { describe, expect, it } from 'vitest';
import { BadModelJsonError, parseModelJson } from '../../src/models/modelJson.js';
import { ModelRefError, modelPrefix, parseModelRef } from '../../src/models/modelRef.js';
import { resolveSpec } from '../../src/spec/jobSpec.js';
import { SpecError } from '../../src/spec/errors.js';

const options = { schema: 'dev', defaultParallelism: 2, maxSplits: 10, readSqlFile: () => '' };

describe('model references', () => {
  it('parses a name, name@version and the object form', () => {
    expect(parseModelRef('churn')).toEqual({ name: 'churn' });
    expect(parseModelRef('churn-v2.final@12')).toEqual({ name: 'churn-v2.final', version: 12 });
    expect(parseModelRef({ name: 'churn', version: 3, function: 'predict_proba' })).toEqual({
      name: 'churn',
      version: 3,
      function: 'predict_proba',
    });
  });

  it.each([
    '../x',
    '..',
    'a/b',
    'a\\b',
    '.hidden',
    'a..b',
    '',
    '/abs',
    'x@0',
    'x@-1',
    'x@1.5',
    'x@',
    'a b',
    'é',
    'x'.repeat(65),
    'a\u0000b',
    '%2e%2e',
  ])('refuses %j', (bad) => {
    expect(() => parseModelRef(bad)).toThrow(ModelRefError);
  });

  it('refuses traversal in the object form and in the stage key builder', () => {
    expect(() => parseModelRef({ name: '../../etc', version: 1 })).toThrow(ModelRefError);
    expect(() => parseModelRef({ name: 'ok', function: '../x' })).toThrow(ModelRefError);
    expect(() => modelPrefix('..')).toThrow(ModelRefError);
    expect(() => modelPrefix('ok', 0)).toThrow(ModelRefError);
    expect(modelPrefix('ok', 2)).toBe('models/ok/2');
  });

  it('takes exactly one of model and predictor in a spec, naming the field', () => {
    const base = { inputQuery: 'SELECT 1 AS x', outputTableName: 'OUT' };
    expect(resolveSpec({ ...base, model: 'churn@2' }, options)).toMatchObject({
      modelRef: { name: 'churn', version: 2 },
      predictor: 'churn@2',
    });
    const both = () => resolveSpec({ ...base, model: 'churn', predictor: 'linear-demo' }, options);
    expect(both).toThrow(SpecError);
    expect(both).toThrow(/model: give either "model".*not both/);
    expect(() => resolveSpec(base, options)).toThrow(/predictor: name what scores the rows/);
    expect(() => resolveSpec({ ...base, model: '../x' }, options)).toThrow(/model: .*no "\.\."/);
    expect(() => resolveSpec({ ...base, model: { name: 'churn', extra: 1 } }, options)).toThrow(SpecError);
  });
});

describe('model.json read back from the stage', () => {
  const good = {
    format: 1,
    name: 'churn',
    version: 1,
    kind: 'onnx',
    artifact: { file: 'artifact-0123456789abcdef.onnx', sha256: 'a'.repeat(64), size: 10 },
    functions: [{ name: 'predict', inputs: ['f1'], outputs: [{ name: 'label', type: 'BIGINT' }] }],
    createdAt: '2026-01-01T00:00:00.000Z',
  };
  it('accepts a well-formed one', () => {
    expect(parseModelJson(good, 'k', { name: 'churn', version: 1 }).name).toBe('churn');
  });
  it.each([
    ['an artifact path outside the folder', { ...good, artifact: { ...good.artifact, file: '../../etc/passwd' } }],
    ['an input column that is SQL', { ...good, functions: [{ ...good.functions[0], inputs: ['f1; DROP TABLE x'] }] }],
    ['another folder’s name', { ...good, name: 'other' }],
    ['an unknown field', { ...good, extra: true }],
    ['a short sha256', { ...good, artifact: { ...good.artifact, sha256: 'abc' } }],
  ])('refuses %s', (_what, raw) => {
    expect(() => parseModelJson(raw, 'models/churn/1/model.json', { name: 'churn', version: 1 })).toThrow(BadModelJsonError);
  });
});
