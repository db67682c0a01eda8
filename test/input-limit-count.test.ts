// BATCH_MAX_INPUT_ROWS before the export (issue 16 item 4): a count(*) of the query through the
// warehouse's read-only path fails a too-large run before anything is unloaded; when the warehouse
// cannot count, the row total of the staged files after the export still enforces the limit.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../src/adapters/warehouse/warehouse.js';
import { createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { failureOf } from './support/wait.js';

/** The real DuckDB warehouse, counting its exports; with failCounts its count(*) queries fail as a warehouse that cannot count. */
function watched(inner: Warehouse, options: { failCounts: boolean }) {
  const seen = { exports: 0, counts: 0 };
  const warehouse = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'exportQuery')
        return (...args: Parameters<Warehouse['exportQuery']>) => {
          seen.exports++;
          return target.exportQuery(...args);
        };
      if (prop === 'query')
        return (sql: string, opts: Parameters<Warehouse['query']>[1]) => {
          if (/^SELECT count\(\*\)/.test(sql)) {
            seen.counts++;
            if (options.failCounts) return Promise.reject(new Error('count not available (test warehouse)'));
          }
          return target.query(sql, opts);
        };
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { warehouse, seen };
}

const ALL = 'SELECT id, feature_1, feature_2 FROM {schema}.model_features';

describe.each([
  { failCounts: false, name: 'a warehouse that counts' },
  { failCounts: true, name: 'a warehouse whose count fails' },
])('BATCH_MAX_INPUT_ROWS with $name', ({ failCounts }) => {
  let h: Harness;
  let seen: { exports: number; counts: number };
  beforeAll(async () => {
    h = await createHarness({ BATCH_MAX_INPUT_ROWS: '12000' });
    await createFeatures(h, 20_000);
    const w = watched(h.warehouse, { failCounts });
    seen = w.seen;
    await h.startWorker({ batchRows: 2048, warehouse: w.warehouse });
  });
  afterAll(() => h?.close());

  it('a query above the limit fails in preparing, naming the limit and the count', async () => {
    const before = { ...seen };
    const { runId } = await h.client.startBatchInference(seedSpec({ inputQuery: ALL, outputTableName: 'TOO_BIG' }));
    const failure = await failureOf(h.client.waitForResult(runId));
    expect(failure.type).toBe('InputTooLargeError');
    expect(seen.counts - before.counts).toBe(1);
    if (failCounts) {
      // The guarantee: the staged files' row total, after the export, and the staged copy is deleted.
      expect(failure.message).toBe(
        'The query returned 20,000 rows, above the limit of 12,000 (BATCH_MAX_INPUT_ROWS); narrow inputQuery (e.g. one ds at a time) or raise BATCH_MAX_INPUT_ROWS on the worker',
      );
      expect(seen.exports - before.exports).toBe(1);
    } else {
      expect(failure.message).toBe(
        'The query returns 20,000 rows (counted before the export), above the limit of 12,000 (BATCH_MAX_INPUT_ROWS); narrow inputQuery (e.g. one ds at a time) or raise BATCH_MAX_INPUT_ROWS on the worker',
      );
      // Nothing was unloaded.
      expect(seen.exports - before.exports).toBe(0);
    }
    expect(fs.existsSync(path.join(h.stage.root, 'runs', runId, 'input'))).toBe(false);
  });

  it('a query at the limit runs', async () => {
    const { runId } = await h.client.startBatchInference(seedSpec({ inputQuery: `${ALL} LIMIT 12000`, outputTableName: 'AT_LIMIT' }));
    expect((await h.client.waitForResult(runId)).rowsOut).toBe(12_000);
  });
});
