// Limits on a real worker: BATCH_MAX_CONCURRENT_JOBS queues a tenant's extra runs in `submitted`
// and lets them through in order; BATCH_MAX_INPUT_ROWS fails a run in preparing; timeoutMinutes stops
// a run, cleans up and frees its slot. Runs wait on gates the test opens, not on timings.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../src/workflows/run/contract.js';
import { slotsQuery, slotsWorkflowId } from '../src/workflows/slots/contract.js';
import { gatedPredictor } from './fixtures/gatedPredictor.js';
import { createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { failureOf, until } from './support/wait.js';

describe('limits', () => {
  let h: Harness;
  const gate = gatedPredictor();
  const leftQueue = (s: RunSummary) => Date.parse(s.startedAt) + s.durations.queuedMs;
  const state = async (runId: string) => (await h.client.getProgress(runId)).state;

  beforeAll(async () => {
    h = await createHarness({ BATCH_MAX_CONCURRENT_JOBS: '1', BATCH_MAX_INPUT_ROWS: '12000' });
    await createFeatures(h, 20_000);
    await h.startWorker({ predictors: { gated: gate.gated } });
  });
  afterAll(() => h?.close());

  it('a tenant past its limit waits in submitted and starts in order; another tenant is not held up', async () => {
    const start = (overrides: Record<string, unknown>, tenant?: string) =>
      h.client.startBatchInference(seedSpec({ parallelWorkers: 1, heartbeatTimeout: 2, ...overrides }), tenant ? { tenant } : {});
    const a = await start({ predictor: 'gated', outputTableName: 'QUEUE_A' });
    await until(async () => ((await state(a.runId)) === 'running' ? true : undefined), 60_000, 'A running');
    const b = await start({ outputTableName: 'QUEUE_B' });
    const c = await start({ outputTableName: 'QUEUE_C' });
    const dropped = await start({ outputTableName: 'QUEUE_CANCELLED' });
    const other = await start({ outputTableName: 'OTHER_TENANT' }, 'other');

    try {
      // The other tenant has its own slots: it completes while A still holds the default tenant's only one.
      const otherSummary = await h.client.waitForResult(other.runId);
      expect(otherSummary.rowsOut).toBe(10_000);
      expect(await state(a.runId)).toBe('running');
      expect(await state(b.runId)).toBe('submitted');
      expect(await state(c.runId)).toBe('submitted');
      const slots = h.temporal.workflow.getHandle(slotsWorkflowId(h.taskQueue, 'default'));
      await until(async () => ((await slots.query(slotsQuery)).waiting.length === 3 ? true : undefined), 30_000, 'three waiting');
      // A run cancelled while it waits leaves the queue and ends cancelled; it never held a slot.
      await h.client.cancelRun(dropped.runId);
      await expect(h.client.waitForResult(dropped.runId)).rejects.toThrow();
      expect(await state(dropped.runId)).toBe('cancelled');
      const queue = await until(
        async () => {
          const q = await slots.query(slotsQuery);
          return q.waiting.length === 2 ? q : undefined;
        },
        30_000,
        'the cancelled run out of the queue',
      );
      expect(queue.holders.map((x) => x.runId)).toEqual([a.runId]);
      expect(queue.waiting.map((x) => x.runId)).toEqual([b.runId, c.runId]);
    } finally {
      gate.open(a.runId); // later tests need the slot
    }

    const [sa, sb, sc] = await Promise.all([a, b, c].map((r) => h.client.waitForResult(r.runId)));
    expect([sa.rowsOut, sb.rowsOut, sc.rowsOut]).toEqual([10_000, 10_000, 10_000]);
    // One at a time, in the order they were submitted.
    expect(leftQueue(sb)).toBeGreaterThanOrEqual(Date.parse(sa.completedAt));
    expect(leftQueue(sc)).toBeGreaterThanOrEqual(Date.parse(sb.completedAt));
    expect(sb.durations.queuedMs).toBeGreaterThan(0);
  });

  it('a run terminated while it holds the slot (no release) does not block the queue', async () => {
    const held = await h.client.startBatchInference(seedSpec({ predictor: 'gated', outputTableName: 'TERMINATED', heartbeatTimeout: 2 }));
    await until(async () => ((await state(held.runId)) === 'running' ? true : undefined), 60_000, 'holder running');
    await h.temporal.workflow.getHandle(held.runId).terminate('test: a run that never releases');
    const next = await h.client.startBatchInference(seedSpec({ outputTableName: 'AFTER_TERMINATE' }));
    expect((await h.client.waitForResult(next.runId)).rowsOut).toBe(10_000);
  });

  it('an input above BATCH_MAX_INPUT_ROWS fails in preparing, before any scoring, and its staged input goes', async () => {
    const { runId } = await h.client.startBatchInference(
      seedSpec({ inputQuery: 'SELECT id, feature_1, feature_2 FROM {schema}.model_features', outputTableName: 'TOO_BIG' }),
    );
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('InputTooLargeError');
    expect(failure.message).toBe(
      'The query returns 20,000 rows (counted before the export), above the limit of 12,000 (BATCH_MAX_INPUT_ROWS); narrow inputQuery (e.g. one ds at a time) or raise BATCH_MAX_INPUT_ROWS on the worker',
    );
    expect(await h.client.getProgress(runId)).toMatchObject({ state: 'failed', error: expect.stringContaining('BATCH_MAX_INPUT_ROWS') });
    expect(fs.existsSync(path.join(h.stage.root, 'runs', runId, 'input'))).toBe(false);
    expect(fs.existsSync(path.join(h.stage.root, 'runs', runId, 'output'))).toBe(false);
    // Exactly at the limit is fine.
    const ok = await h.client.startBatchInference(
      seedSpec({ inputQuery: 'SELECT id, feature_1, feature_2 FROM {schema}.model_features LIMIT 12000', outputTableName: 'AT_LIMIT' }),
    );
    expect((await h.client.waitForResult(ok.runId)).rowsOut).toBe(12_000);
  });

  it('timeoutMinutes stops a run, keeps its staged files for a resume and frees its slot for the next run', async () => {
    const slow = await h.client.startBatchInference(
      seedSpec({ predictor: 'gated', outputTableName: 'TIMED_OUT', timeoutMinutes: 0.03, heartbeatTimeout: 2 }),
    );
    const next = await h.client.startBatchInference(seedSpec({ outputTableName: 'AFTER_TIMEOUT' }));
    const failure = await failureOf(h.client.waitForResult(slow.runId));
    expect(failure.type).toBe('JobTimeout');
    expect(failure.message).toMatch(/did not finish within timeoutMinutes \(0\.03\)/);
    expect(await h.client.getProgress(slow.runId)).toMatchObject({ state: 'failed' });
    // Kept like any failed run's, so that `resume` can continue it; retention removes them (test/resume.test.ts).
    expect(fs.existsSync(path.join(h.stage.root, 'runs', slow.runId, 'manifest.json'))).toBe(true);
    const child = await h.temporal.workflow.getHandle(`${slow.runId}-worker-0`).describe();
    expect(child.status.name).toBe('CANCELLED');
    await expect(h.sql('SELECT * FROM TIMED_OUT')).rejects.toThrow(/does not exist/);
    expect((await h.client.waitForResult(next.runId)).rowsOut).toBe(10_000);
  });
});
