// A query sensor on Snowflake (fakesnow through snowflake-sdk): a new MAX(ds) starts one run whose
// query uses the new value. The run exports from DuckDB (fakesnow cannot unload) and publishes to
// Snowflake, as in pipeline-snowflake.test.ts; the check itself is the production Warehouse.query.
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SnowflakeWarehouse } from '../src/adapters/warehouse/snowflake/snowflakeWarehouse.js';
import { createWorker } from '../src/worker.js';
import { createFeatures } from './support/data.js';
import {
  duckdbExportThenSnowflake,
  fakesnowAccount,
  startFakesnow,
  type FakesnowAccount,
  type FakesnowServer,
} from './support/fakesnowServer.js';
import { createHarness, type Harness } from './support/harness.js';
import { check, deploySensor } from './support/sensors.js';

describe('query sensor on Snowflake', () => {
  let fk: FakesnowServer;
  let account: FakesnowAccount;
  let h: Harness;
  let sf: SnowflakeWarehouse;
  let native: NativeConnection;
  let stopWorker: () => Promise<void>;

  beforeAll(async () => {
    fk = await startFakesnow();
    account = await fakesnowAccount(fk);
    await account.admin(`CREATE TABLE BI.DEV.LANDINGS (DS VARCHAR, ROWS_LANDED NUMBER)`);
    await account.admin(`INSERT INTO BI.DEV.LANDINGS VALUES ('2026-02-25', 10), ('2026-02-26', 12)`);
    h = await createHarness({ BATCH_STAGE: `file:${account.stageDir}` });
    await createFeatures(h, 4_000);
    sf = new SnowflakeWarehouse(account.settings);
    const hybrid = duckdbExportThenSnowflake(h.warehouse, sf);
    native = await NativeConnection.connect({ address: inject('temporalAddress') });
    const worker = await createWorker({ config: h.config, connection: native, taskQueue: h.taskQueue, stage: h.stage, warehouse: hybrid });
    const running = worker.run();
    stopWorker = async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    };
    await deploySensor(h, 'landings', {
      project: 'churn',
      sensor: { cronSchedule: '0 6 * * *', eventName: 'features_landed', payloadKey: 'ds' },
      data: { type: 'snowflake', query: 'SELECT MAX(DS) AS DS FROM BI.DEV.LANDINGS' },
      run: {
        inputQuery: "SELECT id, feature_1, feature_2 FROM {schema}.model_features WHERE ds = '{ds}'",
        outputTableName: 'SENSOR_SCORES',
        outputTableDefinition: [
          ['id', 'NUMBER'],
          ['score', 'FLOAT'],
          ['label', 'NUMBER'],
        ],
        predictor: 'linear-demo',
      },
    });
  }, 60_000);
  afterAll(async () => {
    await stopWorker?.();
    await native?.close();
    await h?.close();
    await sf?.close();
    await account?.close();
    await fk?.stop();
  });

  it('starts one run for a new MAX(ds), with the value in its query and memo', async () => {
    expect(await check(h.temporal, 'landings')).toMatchObject({ changed: false, baseline: true, value: '2026-02-26' });
    expect(await check(h.temporal, 'landings')).toMatchObject({ changed: false, value: '2026-02-26' });
    expect(fk.statements.some((s) => s.sqlText === 'SELECT * FROM (\nSELECT MAX(DS) AS DS FROM BI.DEV.LANDINGS\n) LIMIT 1000')).toBe(true);

    await account.admin(`INSERT INTO BI.DEV.LANDINGS VALUES ('2026-02-27', 9)`);
    await h.sql(`UPDATE dev.model_features SET ds = '2026-02-27' WHERE id < 1000`);
    const changed = await check(h.temporal, 'landings');
    expect(changed).toMatchObject({ changed: true, value: '2026-02-27' });

    const run = h.temporal.workflow.getHandle(changed.runId!);
    expect(await run.result()).toMatchObject({ state: 'completed', rowsIn: 1_000, rowsOut: 1_000 });
    const memo = (await run.describe()).memo as Record<string, unknown>;
    expect(memo).toMatchObject({ sensor: 'landings', eventName: 'features_landed', payload: { ds: '2026-02-27' } });
    expect(await account.admin('SELECT COUNT(*) AS N, MAX(ID) AS HI FROM SENSOR_SCORES')).toEqual([{ N: 1_000, HI: 999 }]);
    expect(await check(h.temporal, 'landings')).toMatchObject({ changed: false, value: '2026-02-27' });
  });
});
