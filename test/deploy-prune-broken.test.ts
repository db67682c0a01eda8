// --prune keeps the Schedule of a file that is there but broken, even when the sensor it deployed
// has another name than the file (a YAML typo hides sensor.name); the operator's pause survives.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../src/schedules/deploy.js';
import { describeSchedule } from '../src/schedules/upsert.js';
import { createHarness, type Harness } from './support/harness.js';
import { until } from './support/wait.js';

const SENSOR = (extra = '') => `
project: churn
sensor:
  name: orders_v2
  cronSchedule: "*/10 * * * *"
  eventName: landed
  payloadKey: ds
data:
  type: duckdb
  query: SELECT 1
run:
  inputQuery: "SELECT 1 AS id WHERE '{ds}' <> ''"
  outputTableName: OUT
  predictor: linear-demo
${extra}`;

describe('deploy --prune with a broken file', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h?.close());

  it('keeps a renamed sensor whose file has a syntax error, paused as the operator left it', async () => {
    const dir = path.join(h.dir, 'deploy');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'orders.yaml');
    fs.writeFileSync(file, SENSOR());
    await deploy(h.temporal, h.config, { dir, prune: true });
    await h.temporal.schedule.getHandle('bi-sensor-orders_v2').pause('operator paused it');
    // Prune reads the Schedule list from visibility, which lags a moment behind.
    await until(
      async () => {
        for await (const s of h.temporal.schedule.list()) if (s.scheduleId === 'bi-sensor-orders_v2') return true;
        return undefined;
      },
      30_000,
      'the schedule in the listing',
    );

    fs.writeFileSync(file, SENSOR('  parallelWorkers: [2'));
    const broken = await deploy(h.temporal, h.config, { dir, prune: true });
    expect(broken.rejected).toBe(true);
    expect(broken.lines.filter((l) => l.action === 'deleted')).toEqual([]);
    expect((await describeSchedule(h.temporal, 'bi-sensor-orders_v2'))?.state.paused).toBe(true);

    fs.writeFileSync(file, SENSOR());
    await deploy(h.temporal, h.config, { dir, prune: true });
    expect((await describeSchedule(h.temporal, 'bi-sensor-orders_v2'))?.state.paused).toBe(true);
    await h.temporal.schedule.getHandle('bi-sensor-orders_v2').delete();
  });
});
