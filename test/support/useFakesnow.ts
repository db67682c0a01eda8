// One fakesnow server, its account (database BI, schema DEV, stage BI_STAGE) and a SnowflakeWarehouse on
// it for a test file: started before its tests, stopped after them, in the one order that leaves no process.
import { afterAll, beforeAll } from 'vitest';
import { SnowflakeWarehouse } from '../../src/adapters/warehouse/snowflake/snowflakeWarehouse.js';
import { fakesnowAccount, startFakesnow, type FakesnowAccount, type FakesnowServer } from './fakesnowServer.js';

export interface Fakesnow {
  fk: FakesnowServer;
  account: FakesnowAccount;
  wh: SnowflakeWarehouse;
}

export interface FakesnowOptions {
  /** Admin SQL run before the warehouse opens (tables the tests read). */
  setup?: (account: FakesnowAccount) => Promise<void>;
}

/** Call at the top of a describe: the returned object is filled in before the first test runs. */
export function useFakesnow(options: FakesnowOptions = {}): Fakesnow {
  const env = {} as Fakesnow;
  beforeAll(async () => {
    env.fk = await startFakesnow();
    env.account = await fakesnowAccount(env.fk);
    await options.setup?.(env.account);
    env.wh = new SnowflakeWarehouse(env.account.settings);
  }, 60_000);
  afterAll(async () => {
    await env.wh?.close();
    await env.account?.close();
    await env.fk?.stop();
  });
  return env;
}
