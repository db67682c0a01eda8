// Issue 11 item 1 on Snowflake (snowflake-sdk → fakesnow): exactly one read-only statement, decided
// by Snowflake's compiler with describe-only requests (nothing runs), MULTI_STATEMENT_COUNT = 1 on
// every check, and a tenant's statements under the tenant's role.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { QueryRefusedError } from '../src/adapters/warehouse/errors.js';
import { TenantWarehouses } from '../src/tenants/warehouses.js';
import { useFakesnow } from './support/useFakesnow.js';

describe('SQL boundary on Snowflake (fakesnow)', () => {
  const sf = useFakesnow({
    setup: async (a) => {
      await a.admin(`CREATE TABLE BI.DEV.FEATURES AS SELECT 1 AS ID, 0.5::FLOAT AS F UNION ALL SELECT 2, 0.25`);
    },
  });
  const count = async () => Number((await sf.account.admin('SELECT COUNT(*) AS N FROM BI.DEV.FEATURES'))[0].N);

  it('accepts one SELECT: one describe-only compile as a subquery, with MULTI_STATEMENT_COUNT = 1', async () => {
    const sent = sf.fk.statements.length;
    await sf.wh.checkReadOnlyQuery('SELECT ID, F FROM BI.DEV.FEATURES');
    const mine = sf.fk.statements.slice(sent).filter((s) => !s.sqlText.startsWith('USE WAREHOUSE'));
    expect(mine.map((s) => s.sqlText)).toEqual(['SELECT * FROM (\nSELECT ID, F FROM BI.DEV.FEATURES\n) LIMIT 0']);
    for (const s of mine) expect(s.parameters?.MULTI_STATEMENT_COUNT).toBe('1');
  });

  it.each([
    ['DELETE FROM BI.DEV.FEATURES'],
    ['INSERT INTO BI.DEV.FEATURES SELECT 3, 0.1'],
    ['DROP TABLE BI.DEV.FEATURES'],
    ['SELECT 1 AS ID; DELETE FROM BI.DEV.FEATURES'],
  ])('refuses %s; nothing ran', async (sql) => {
    const err = await sf.wh.checkReadOnlyQuery(sql).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryRefusedError);
    expect((err as Error).message).toBe(
      'inputQuery: the warehouse parsed something other than one query (a statement that is not a SELECT, or more than one statement); give exactly one read-only statement (SELECT or WITH … SELECT), without a trailing second statement',
    );
    expect(await count()).toBe(2);
  });

  it("a table the role cannot see is Snowflake's own error, not a refusal", async () => {
    const err = await sf.wh.checkReadOnlyQuery('SELECT * FROM BI.DEV.NOT_THERE').catch((e: unknown) => e);
    expect((err as Error).name).toBe('QueryError');
    expect((err as Error).message).toMatch(/NOT_THERE/);
  });

  it('every statement of a session carries MULTI_STATEMENT_COUNT = 1', async () => {
    const sent = sf.fk.statements.length;
    await sf.wh.query('SELECT ID FROM BI.DEV.FEATURES');
    for (const s of sf.fk.statements.slice(sent)) expect(s.parameters?.MULTI_STATEMENT_COUNT).toBe('1');
  });

  it("runs a tenant's statements under the tenant's role (a pool per role)", async () => {
    const config = loadConfig({
      BATCH_WAREHOUSE: 'snowflake',
      BATCH_STAGE: 's3://unused/batch',
      SNOWFLAKE_ACCOUNT: 'fake',
      SNOWFLAKE_USER: 'worker',
      SNOWFLAKE_PASSWORD: 'secret',
      SNOWFLAKE_STAGE: 'BI_STAGE',
    });
    const tenants = new TenantWarehouses(
      { ...config, warehouse: { ...sf.account.settings, kind: 'snowflake' } },
      {
        acme: { snowflakeRole: 'ACME_ROLE', write: ['ACME.*'] },
      },
    );
    const acme = await tenants.for('acme');
    expect((acme as unknown as { settings: { role?: string } }).settings.role).toBe('ACME_ROLE');
    await expect(tenants.for('other')).rejects.toThrow('tenant "other" is not in BATCH_TENANTS_FILE');
    await tenants.close();
  });
});
