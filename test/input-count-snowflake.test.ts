// The count before the export (BATCH_MAX_INPUT_ROWS) on Snowflake: snowflake-sdk against fakesnow's
// server, through the warehouse's one-statement query path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countBeforeExport } from '../src/activities/countBeforeExport.js';
import { SnowflakeWarehouse } from '../src/adapters/warehouse/snowflake/snowflakeWarehouse.js';
import { fakesnowAccount, startFakesnow, type FakesnowAccount, type FakesnowServer } from './support/fakesnowServer.js';

describe('count before the export on Snowflake (fakesnow)', () => {
  let fk: FakesnowServer;
  let account: FakesnowAccount;
  let wh: SnowflakeWarehouse;
  beforeAll(async () => {
    fk = await startFakesnow();
    account = await fakesnowAccount(fk);
    await account.admin(
      `CREATE TABLE BI.DEV.FEATURES AS SELECT SEQ4() AS ID, UNIFORM(0::FLOAT, 1::FLOAT, RANDOM()) AS F FROM TABLE(GENERATOR(ROWCOUNT => 1234))`,
    );
    wh = new SnowflakeWarehouse(account.settings);
  }, 60_000);
  afterAll(async () => {
    await wh?.close();
    await account?.close();
    await fk?.stop();
  });

  it('counts the query’s rows with one count(*) statement wrapping it', async () => {
    const sent = fk.statements.length;
    const n = await countBeforeExport(
      wh,
      { renderedQuery: 'SELECT ID, F FROM BI.DEV.FEATURES WHERE ID < 1000', useUtc: true },
      new AbortController().signal,
    );
    expect(n).toBe(1000);
    const sql = fk.statements.slice(sent).map((s) => s.sqlText);
    expect(sql).toContain(
      'SELECT * FROM (\nSELECT count(*) AS n FROM (\nSELECT ID, F FROM BI.DEV.FEATURES WHERE ID < 1000\n) AS input_rows\n) LIMIT 1',
    );
  });

  it('a count the warehouse refuses is no answer (the after-export check decides)', async () => {
    expect(
      await countBeforeExport(wh, { renderedQuery: 'SELECT * FROM BI.DEV.NO_SUCH_TABLE', useUtc: true }, new AbortController().signal),
    ).toBeUndefined();
  });
});
