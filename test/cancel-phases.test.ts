// Cancelling while the warehouse works: during the export the run waits for it to stop before it
// deletes its files (nothing lands after the delete); during the publish the transaction finishes
// and the run says so (completed, with the table) rather than claiming a cancel that did not happen.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../src/adapters/warehouse/warehouse.js';
import { createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { until } from './support/wait.js';

/** A gate a test opens: the wrapped warehouse step waits at it, then does the real work. */
function gate() {
  let open!: () => void;
  let reached = false;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened, reached: () => reached, arrive: () => (reached = true) };
}

describe('cancelling while the warehouse works', () => {
  let h: Harness;
  let exportGate = gate();
  let publishGate = gate();

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 4_000);
    const real = h.warehouse;
    const gated: Warehouse = Object.create(real);
    gated.exportQuery = async (req) => {
      exportGate.arrive();
      await exportGate.opened;
      return real.exportQuery(req);
    };
    gated.publish = async (req) => {
      publishGate.arrive();
      await publishGate.opened;
      return real.publish(req);
    };
    await h.startWorker({ warehouse: gated });
  });
  afterAll(() => h?.close());

  it('during the export: the run ends cancelled and no staged file outlives it', async () => {
    exportGate = gate();
    const { runId } = await h.client.startBatchInference(seedSpec({ outputTableName: 'CANCELLED_IN_EXPORT' }));
    await until(async () => (exportGate.reached() ? true : undefined), 30_000, 'the export to start');
    await h.client.cancelRun(runId);
    await new Promise((r) => setTimeout(r, 500));
    exportGate.open(); // the export now writes its files, after the cancel
    await expect(h.client.waitForResult(runId)).rejects.toThrow();
    expect((await h.client.getProgress(runId)).state).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 1000));
    expect(fs.existsSync(path.join(h.stage.root, 'runs', runId))).toBe(false);
  });

  it('during the publish: the load commits and the run reports completed, with the table', async () => {
    publishGate = gate();
    exportGate.open();
    const { runId } = await h.client.startBatchInference(seedSpec({ outputTableName: 'CANCELLED_IN_PUBLISH' }));
    await until(async () => (publishGate.reached() ? true : undefined), 60_000, 'the publish to start');
    await h.client.cancelRun(runId);
    await new Promise((r) => setTimeout(r, 500));
    publishGate.open();
    const summary = await h.client.waitForResult(runId);
    expect(summary).toMatchObject({ state: 'completed', rowsOut: 2_000 });
    expect(await h.sql('SELECT count(*)::INTEGER AS n FROM CANCELLED_IN_PUBLISH')).toEqual([{ n: 2_000 }]);
  });
});
