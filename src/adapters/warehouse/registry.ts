// Every warehouse kind, one entry each: how BATCH_WAREHOUSE names it, the settings it takes, and how it
// opens (its module loads on first use, so the CLI never pays for snowflake-sdk it does not use).
// Adding a warehouse is one folder under adapters/warehouse/ and one entry here.
import { snowflakeEnv, snowflakeProblems, snowflakeSettings, type SnowflakeSettings } from './snowflake/settings.js';
import type { Warehouse } from './warehouse.js';

export type WarehouseSettings = { kind: 'duckdb'; path: string } | ({ kind: 'snowflake' } & SnowflakeSettings);

type Env = Parameters<typeof snowflakeSettings>[0];

const KINDS = {
  duckdb: {
    pattern: /^duckdb:(.+)$/,
    settings: (match: RegExpExecArray): WarehouseSettings => ({ kind: 'duckdb', path: match[1] }),
    problems: (): [string, string][] => [],
    open: async (s: WarehouseSettings & { kind: 'duckdb' }) => new (await import('./duckdb/duckdbWarehouse.js')).DuckDBWarehouse(s.path),
  },
  snowflake: {
    pattern: /^snowflake$/,
    settings: (_: RegExpExecArray, env: Env): WarehouseSettings => ({ kind: 'snowflake', ...snowflakeSettings(env) }),
    problems: (env: Env) => snowflakeProblems(env),
    open: async (s: WarehouseSettings & { kind: 'snowflake' }) =>
      new (await import('./snowflake/snowflakeWarehouse.js')).SnowflakeWarehouse(s),
  },
};

/** The variables every warehouse kind reads, merged into the one environment schema. */
export const warehouseEnv = { ...snowflakeEnv };
export const WAREHOUSE_URL = /^(duckdb:.+|snowflake)$/;
export const WAREHOUSE_URL_HELP = 'use duckdb:<path to .duckdb file> or snowflake';

const kindOf = (url: string) => Object.values(KINDS).find((k) => k.pattern.test(url))!;

/** What is missing for the warehouse BATCH_WAREHOUSE names, as [variable, fix] pairs. */
export function warehouseProblems(url: string, env: Env): [string, string][] {
  return kindOf(url).problems(env);
}

export function warehouseSettings(url: string, env: Env): WarehouseSettings {
  const kind = kindOf(url);
  return kind.settings(kind.pattern.exec(url)!, env);
}

/** The configured warehouse. */
export async function createWarehouse(config: { warehouse: WarehouseSettings }): Promise<Warehouse> {
  const s = config.warehouse;
  return s.kind === 'duckdb' ? KINDS.duckdb.open(s) : KINDS.snowflake.open(s);
}
