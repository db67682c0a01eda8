// The CLI runs the built JavaScript on plain Node, which cannot import a .ts file. A TypeScript module
// in BATCH_PREDICTORS must still load, as it did when the CLI ran through tsx (test/worker-restart relies on it).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const REGISTRY = new URL('../dist/predictors/registry.js', import.meta.url).href;
const MODULE = fileURLToPath(new URL('./fixtures/slowPredictors.ts', import.meta.url));

describe('predictor modules from the built code', () => {
  it('loads a .ts module listed in BATCH_PREDICTORS', async () => {
    const script = `const { buildPredictorRegistry } = await import(${JSON.stringify(REGISTRY)});
      console.log(JSON.stringify(Object.keys(await buildPredictorRegistry([${JSON.stringify(MODULE)}]))));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    expect(JSON.parse(stdout)).toEqual(['linear-demo', 'slowLinear']);
  });
});
