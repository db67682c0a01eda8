// Retention on a real worker and stage: the cleanup workflow deletes what runs closed before the cutoff
// left (staged files and file results), keeps newer and open runs, ages leftovers by their mtime; the
// hourly Schedule is created idempotently and starts the cleanup workflow.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupScheduleId, ensureCleanupSchedule } from '../src/retention/schedule.js';
import type { CleanupResult } from '../src/retention/expiredRuns.js';
import { CLEANUP_WORKFLOW_TYPE } from '../src/workflows/retention/contract.js';
import { gatedPredictor } from './fixtures/gatedPredictor.js';
import { createFeatures, seedSpec } from './support/data.js';
import { createHarness, type Harness } from './support/harness.js';
import { until } from './support/wait.js';

const HOURS_AGO = (hours: number) => new Date(Date.now() - hours * 3_600_000);

describe('retention', () => {
  let h: Harness;
  const gate = gatedPredictor();
  const exists = (key: string) => fs.existsSync(path.join(h.stage.root, key));
  const parquetRun = async (outputPath: string, overrides: Record<string, unknown> = {}) => {
    const { runId } = await h.client.startBatchInference(
      seedSpec({ outputTableName: undefined, outputDestination: 'parquet', outputPath, saveMode: 'append', ...overrides }),
    );
    return runId;
  };
  /** A file written with an old mtime, as a crashed write or a run from another deployment leaves it. */
  const leftover = (key: string, modified: Date) => {
    const file = path.join(h.stage.root, key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'x');
    fs.utimesSync(file, modified, modified);
  };
  const cleanup = (cutoff: Date) =>
    h.temporal.workflow.execute(CLEANUP_WORKFLOW_TYPE, {
      taskQueue: h.taskQueue,
      workflowId: `cleanup-test-${cutoff.getTime()}`,
      args: [{ ttlHours: 168, cutoff: cutoff.toISOString() }],
    }) as Promise<CleanupResult>;

  beforeAll(async () => {
    h = await createHarness();
    await createFeatures(h, 4_000);
    await h.startWorker({ predictors: { gated: gate.gated } });
  });
  afterAll(() => h?.close());

  it('deletes staged files and file results of runs closed before the cutoff; keeps newer and open runs', async () => {
    const old = await parquetRun('results/shared');
    const oldTable = (await h.client.startBatchInference(seedSpec({ outputTableName: 'KEPT_TABLE' }))).runId;
    await Promise.all([old, oldTable].map((r) => h.client.waitForResult(r)));
    const cutoff = new Date();
    await new Promise((r) => setTimeout(r, 20)); // the newer run closes strictly after the cutoff
    const recent = await parquetRun('results/shared');
    await h.client.waitForResult(recent);
    const open = await parquetRun('results/open', { predictor: 'gated', heartbeatTimeout: 2 });
    await until(async () => ((await h.client.getProgress(open)).state === 'running' ? true : undefined), 60_000, 'open run running');

    leftover('runs/ghost-old/input/data_0.parquet', HOURS_AGO(200)); // no workflow knows it: aged by mtime
    leftover('runs/ghost-new/input/data_0.parquet', new Date());
    leftover('.scratch/crashed-write.parquet', HOURS_AGO(200));
    leftover('.scratch/0000-export/data_0.parquet', HOURS_AGO(300));
    leftover('.scratch/in-flight.parquet', new Date());
    const partsOf = (runId: string) =>
      fs.readdirSync(path.join(h.stage.root, 'results/shared')).filter((f) => f.startsWith(`part-${runId}-`));
    const oldParts = partsOf(old).length;
    expect(oldParts).toBeGreaterThan(0);

    try {
      const result = await cleanup(cutoff);
      expect(result.runsDeleted.sort()).toEqual([old, oldTable, 'ghost-old'].sort());
      expect(result.resultFilesDeleted).toBe(oldParts);
      expect(result.scratchDeleted).toBe(2);

      for (const gone of [`runs/${old}`, `runs/${oldTable}`, 'runs/ghost-old', '.scratch/crashed-write.parquet', '.scratch/0000-export']) {
        expect(exists(gone), gone).toBe(false);
      }
      for (const kept of [`runs/${recent}`, `runs/${open}`, 'runs/ghost-new', '.scratch/in-flight.parquet', 'results/shared/_SUCCESS']) {
        expect(exists(kept), kept).toBe(true);
      }
      // In a path two runs appended to, only the old run's files went; _SUCCESS is the recent run's.
      expect(partsOf(old)).toEqual([]);
      expect(partsOf(recent).length).toBeGreaterThan(0);
      // The warehouse table is the user's: retention never touches it.
      expect(await h.sql('SELECT count(*)::INTEGER AS n FROM KEPT_TABLE')).toEqual([{ n: 2_000 }]);

      // A cutoff in the future: every closed run is expired, the open one is still kept.
      const later = await cleanup(new Date(Date.now() + 3_600_000));
      expect(later.runsDeleted.sort()).toEqual([recent, 'ghost-new'].sort());
      expect(exists('results/shared/_SUCCESS')).toBe(false);
      expect(fs.readdirSync(path.join(h.stage.root, 'results/shared'))).toEqual([]);
      expect(exists(`runs/${open}`)).toBe(true);
    } finally {
      gate.open(open);
    }
    expect((await h.client.waitForResult(open)).rowsOut).toBe(2_000);
  });

  it('the hourly schedule is created idempotently, carries the TTL and starts the cleanup workflow', async () => {
    const scheduleId = await ensureCleanupSchedule(h.temporal, { ...h.config, resultTtlHours: 72 });
    expect(await ensureCleanupSchedule(h.temporal, h.config)).toBe(scheduleId);
    expect(scheduleId).toBe(cleanupScheduleId(h.taskQueue));
    const handle = h.temporal.schedule.getHandle(scheduleId);
    try {
      const description = await handle.describe();
      expect(description.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
      expect(description.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: CLEANUP_WORKFLOW_TYPE,
        taskQueue: h.taskQueue,
        args: [{ ttlHours: 168 }],
      });

      await handle.trigger();
      const run = await until(
        async () => {
          for await (const w of h.temporal.workflow.list({ query: `TemporalScheduledById = '${scheduleId}'` })) return w;
          return undefined;
        },
        30_000,
        'a scheduled cleanup run',
      );
      const result = (await h.temporal.workflow.getHandle(run.workflowId).result()) as CleanupResult;
      // With the real TTL (168 h) nothing here is old enough.
      expect(result).toEqual({ runsDeleted: [], resultFilesDeleted: 0, scratchDeleted: 0 });
    } finally {
      await handle.delete();
    }
  });
});
