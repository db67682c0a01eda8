// The missing-input-columns error stays readable when a model takes thousands of inputs.
import { describe, expect, it } from 'vitest';
import { MissingInputColumnsError } from '../../src/models/errors.js';

describe('MissingInputColumnsError', () => {
  it('names the model version, function, missing columns and what the query returns', () => {
    expect(new MissingInputColumnsError('churn@2', ['f2', 'f3'], ['id', 'f1'], 'predict_proba').message).toBe(
      'model churn@2 function predict_proba needs input columns the query does not return: f2, f3 (the query returns: id, f1); select them in inputQuery',
    );
  });

  it('lists at most 100 names of each, saying how many more there are', () => {
    const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    const err = new MissingInputColumnsError('wide@1', names('f', 5000), names('c', 3000), 'predict');
    expect(err.message).toContain('f98, f99 … and 4900 more (the query returns: c0, c1,');
    expect(err.message).toContain('c99 … and 2900 more); select them in inputQuery');
    expect(err.message.length).toBeLessThan(2000);
    expect(err.missing).toHaveLength(5000); // the fields keep everything
  });
});
