// `bench --stage` takes local or s3, and --onnx-rows / --python-rows whole numbers; anything else is
// refused before the bench touches .data/bench.
import { describe, expect, it } from 'vitest';
import { benchCommand } from '../../src/doors/cli/commands/bench.js';
import { loadConfig } from '../../src/config.js';
import { UsageError } from '../../src/doors/cli/usage.js';

describe('bench options', () => {
  it('refuses a stage other than local or s3, naming the flag and the value', async () => {
    const refused = benchCommand(loadConfig({}), { stage: 'gcs' });
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow('--stage takes local or s3, got "gcs"');
  });

  it('refuses model-section sizes that are not whole numbers, naming the flag and the value', async () => {
    for (const [flags, message] of [
      [{ onnxRows: '1e3x' }, '--onnx-rows takes a whole number of at least 0, got "1e3x"'],
      [{ pythonRows: '-5' }, '--python-rows takes a whole number of at least 0, got "-5"'],
    ] as const) {
      const refused = benchCommand(loadConfig({}), flags);
      await expect(refused).rejects.toBeInstanceOf(UsageError);
      await expect(refused).rejects.toThrow(message);
    }
  });
});
