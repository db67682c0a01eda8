// Replays every recorded history in test/histories against today's workflow code: a change that would
// break runs already in flight (a reordered or new activity, timer or child without patched()) fails
// here with the file's name and the determinism error. Needs no server: replay runs in the worker.
//
// The histories are real runs of batchInference (+ its scoreSlice children), tenantSlots, sensorState,
// sensorCheck and cleanupResults. Regenerate them, on purpose only, with
//   npx tsx test/support/recordHistories.ts       (about 11 minutes; see that file)
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { installQuietRuntime } from '../src/temporal/runtime.js';
import { workflowBundle } from '../src/worker.js';
import { readHistories } from './support/histories.js';

installQuietRuntime('ERROR');
const histories = readHistories();

describe('replay of recorded histories', () => {
  /** Per file: undefined until replayed, then '' or the error. */
  const outcome = new Map<string, string>();

  beforeAll(async () => {
    // One replay worker for every history (the bundle is built once); it replays them one at a time,
    // in the order given, so the n-th result is the n-th file's.
    const results = Worker.runReplayHistories(
      { workflowBundle: await workflowBundle() },
      histories.map(({ workflowId, history }) => ({ workflowId, history })),
    );
    let i = 0;
    for await (const result of results) {
      outcome.set(histories[i++].file, result.error ? `${result.error.name}: ${result.error.message}` : '');
    }
  });

  it('has histories of every long-lived workflow type', () => {
    const types = new Set(histories.map((h) => h.workflowType));
    for (const type of ['batchInference', 'scoreSlice', 'tenantSlots', 'sensorState', 'sensorCheck', 'cleanupResults']) {
      expect(types, `no recorded history of ${type}`).toContain(type);
    }
  });

  it.each(histories.map((h) => h.file))('%s replays without a determinism error', (file) => {
    expect(outcome.get(file), `${file} was not replayed`).toBeDefined();
    expect(outcome.get(file), `${file} no longer replays`).toBe('');
  });
});
