// A predictor's answer is checked before any writer reads it: an Arrow vector says how many rows it
// has, but its buffers are what a crafted answer (a Python model writes its own IPC bytes) makes
// them, and a writer reading n values from a shorter buffer would copy whatever follows it.
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { normalizeOutput } from '../../src/predictors/normalizeOutput.js';
import { PredictorOutputError } from '../../src/predictors/errors.js';

/** An answer whose column `p` says `n` rows over `values` (and `nullBitmap`), then a column `secret`. */
function crafted(n: number, values: Float64Array, nullBitmap?: Uint8Array): arrow.Table {
  const p = arrow.makeVector(
    arrow.makeData({ type: new arrow.Float64(), length: n, data: values, nullBitmap, nullCount: nullBitmap ? 1 : 0 }),
  );
  const secret = arrow.makeVector(Float64Array.from({ length: n }, (_, i) => 111 * (i + 1)));
  return new arrow.Table({ p, secret });
}

describe('normalizeOutput refuses a column whose buffers hold fewer rows than it says', () => {
  it('a values buffer shorter than its length', () => {
    const answer = crafted(6, Float64Array.of(1));
    expect(() => normalizeOutput('model', answer, 6)).toThrow(PredictorOutputError);
    expect(() => normalizeOutput('model', answer, 6)).toThrow(/column "p" says 6 rows but its values holds 1 \(needs 6\)/);
  });

  it('a validity bitmap shorter than its length', () => {
    const answer = crafted(20, new Float64Array(20), Uint8Array.of(0xfe));
    expect(() => normalizeOutput('model', answer, 20)).toThrow(/column "p" says 20 rows but its validity bitmap holds 1 \(needs 3\)/);
  });

  it('takes whole buffers, and ones longer than the rows', () => {
    const columns = normalizeOutput('model', crafted(6, new Float64Array(64), new Uint8Array(8).fill(0xff)), 6);
    expect(columns.map((c) => c.name)).toEqual(['p', 'secret']);
  });
});

describe('normalizeOutput refuses two returned columns that would be written as one', () => {
  it('names both: a table has one column for names that differ only in case', () => {
    const answer = { p: Float64Array.of(1, 2), P: Float64Array.of(3, 4) };
    expect(() => normalizeOutput('model', answer, 2)).toThrow(/returned 2 columns named "p" and "P" \(ignoring case\)/);
  });

  it('and two of exactly the same name (an Arrow table may have them)', () => {
    const field = (name: string) => new arrow.Field(name, new arrow.Float64());
    const schema = new arrow.Schema([field('p'), field('p')]);
    const data = arrow.makeData({
      type: new arrow.Struct(schema.fields),
      length: 2,
      children: [0, 1].map((k) => arrow.makeData({ type: new arrow.Float64(), length: 2, data: Float64Array.of(k, k) })),
    });
    const answer = new arrow.Table(schema, [new arrow.RecordBatch(schema, data)]);
    expect(() => normalizeOutput('model', answer, 2)).toThrow(/returned 2 columns named "p" and "p" \(ignoring case\)/);
  });

  it('but not columns that outputTableDefinition leaves out', () => {
    const answer = { score: Float64Array.of(1, 2), debug: Float64Array.of(3, 4), Debug: Float64Array.of(5, 6) };
    expect(normalizeOutput('model', answer, 2, ['score']).map((c) => c.name)).toEqual(['score']);
  });
});
