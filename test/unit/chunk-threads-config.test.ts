// BATCH_CHUNK_THREADS: a whole number from 0 (off) to 1024; anything else is refused naming the variable, what it got and the fix.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('BATCH_CHUNK_THREADS', () => {
  it('is unset by default (the worker picks a thread per core) and reads 0 as off', () => {
    expect(loadConfig({}).chunkThreads).toBeUndefined();
    expect(loadConfig({ BATCH_CHUNK_THREADS: '0' }).chunkThreads).toBe(0);
    expect(loadConfig({ BATCH_CHUNK_THREADS: '3' }).chunkThreads).toBe(3);
  });

  it.each([
    ['two', 'got "two"'],
    ['-1', 'got "-1"'],
    ['1.5', 'got "1.5"'],
    ['5000', 'got "5000"'],
  ])('refuses %s naming the variable, the value and the fix', (value, got) => {
    expect(() => loadConfig({ BATCH_CHUNK_THREADS: value })).toThrow(
      `BATCH_CHUNK_THREADS: ${got}; set a whole number of threads from 0 (chunk threads off) to 1024, or leave it unset for one per core`,
    );
  });
});

describe('BATCH_CHUNK_THREAD_MODULES', () => {
  it('keeps BATCH_PREDICTORS modules off chunk threads unless set to trusted', () => {
    expect(loadConfig({}).trustModulesOnChunkThreads).toBe(false);
    expect(loadConfig({ BATCH_CHUNK_THREAD_MODULES: 'isolated' }).trustModulesOnChunkThreads).toBe(false);
    expect(loadConfig({ BATCH_CHUNK_THREAD_MODULES: 'trusted' }).trustModulesOnChunkThreads).toBe(true);
  });

  it('refuses anything else naming the variable, the value and the fix', () => {
    expect(() => loadConfig({ BATCH_CHUNK_THREAD_MODULES: 'yes' })).toThrow(
      'BATCH_CHUNK_THREAD_MODULES: got "yes"; set trusted or isolated (the default)',
    );
  });
});
