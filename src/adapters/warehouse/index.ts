import type { Config } from '../../config.js';
import { DuckDBWarehouse } from './duckdbWarehouse.js';
import type { Warehouse } from './warehouse.js';

/** The configured warehouse. snowflake-sdk loads only when it is used, so local runs start fast. */
export async function createWarehouse(config: Config): Promise<Warehouse> {
  if (config.warehouse.kind === 'duckdb') return new DuckDBWarehouse(config.warehouse.path);
  const { SnowflakeWarehouse } = await import('./snowflakeWarehouse.js');
  return new SnowflakeWarehouse(config.warehouse);
}
