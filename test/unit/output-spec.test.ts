// Output destination rules that need no server: stage paths, part-file names, save-mode mapping.
import { describe, expect, it } from 'vitest';
import { partFileName, runOfPartFile } from '../../src/adapters/stage/resultFiles.js';
import { outputPathProblem, resolveOutput } from '../../src/spec/output.js';

describe('output paths and part files', () => {
  it.each(['results/x', 'a', 'results/ds=2026-02-26/', 'A1/b_c.d-e'])('accepts %s', (p) => {
    expect(outputPathProblem(p)).toBeUndefined();
  });

  it.each([
    ['', /is empty/],
    ['/abs', /not a valid stage path/],
    ['a/../b', /not a valid/],
    ['.scratch/x', /not a valid/],
    ['_hidden', /not a valid/],
    ['runs/abc', /inside "runs\/"/],
    ['a b', /not a valid/],
    ['a//b', /not a valid/],
  ])('rejects %j', (p, message) => {
    expect(outputPathProblem(p)).toMatch(message);
  });

  it('tells runs apart by part-file name even when one run id extends another', () => {
    const a = partFileName('a', 1, 2, 'csv');
    const a1 = partFileName('a-1', 0, 12_345_678, 'parquet');
    expect(a).toBe('part-a-001-000002.csv');
    expect(runOfPartFile(`results/x/${a}`)).toBe('a');
    expect(runOfPartFile(`results/x/${a1}`)).toBe('a-1');
    expect(runOfPartFile('results/x/_SUCCESS')).toBeUndefined();
    expect(runOfPartFile('results/x/other.parquet')).toBeUndefined();
  });

  it('maps the older overwrite flag onto saveMode', () => {
    expect(resolveOutput({ outputDestination: 'table', outputTableName: 'T' })).toMatchObject({ saveMode: 'overwrite', overwrite: true });
    expect(resolveOutput({ outputDestination: 'table', outputTableName: 'T', overwrite: false })).toMatchObject({
      saveMode: 'append',
      overwrite: false,
    });
    expect(resolveOutput({ outputDestination: 'csv', outputPath: 'r/', saveMode: 'error' })).toEqual({
      outputDestination: 'csv',
      outputPath: 'r',
      saveMode: 'error',
      overwrite: false,
    });
  });
});
