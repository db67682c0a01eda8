// The count before the export (BATCH_MAX_INPUT_ROWS) on Snowflake: snowflake-sdk against fakesnow's
// server, through the warehouse's one-statement query path.
import { describe, expect, it } from 'vitest';
import { countBeforeExport } from '../src/activities/countBeforeExport.js';
import { useFakesnow } from './support/useFakesnow.js';

describe('count before the export on Snowflake (fakesnow)', () => {
  const sf = useFakesnow({
    setup: async (a) => {
      await a.admin(
        `CREATE TABLE BI.DEV.FEATURES AS SELECT SEQ4() AS ID, UNIFORM(0::FLOAT, 1::FLOAT, RANDOM()) AS F FROM TABLE(GENERATOR(ROWCOUNT => 1234))`,
      );
    },
  });

  it('counts the query’s rows with one count(*) statement wrapping it', async () => {
    const sent = sf.fk.statements.length;
    const n = await countBeforeExport(
      sf.wh,
      { renderedQuery: 'SELECT ID, F FROM BI.DEV.FEATURES WHERE ID < 1000', useUtc: true },
      new AbortController().signal,
    );
    expect(n).toBe(1000);
    const sql = sf.fk.statements.slice(sent).map((s) => s.sqlText);
    expect(sql).toContain(
      'SELECT * FROM (\nSELECT count(*) AS n FROM (\nSELECT ID, F FROM BI.DEV.FEATURES WHERE ID < 1000\n) AS input_rows\n) LIMIT 1',
    );
  });

  it('a count the warehouse refuses is no answer (the after-export check decides)', async () => {
    expect(
      await countBeforeExport(sf.wh, { renderedQuery: 'SELECT * FROM BI.DEV.NO_SUCH_TABLE', useUtc: true }, new AbortController().signal),
    ).toBeUndefined();
  });
});
