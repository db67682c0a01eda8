import type { Config } from '../../config.js';
import { DuckDBWarehouse } from './duckdbWarehouse.js';
import type { Warehouse } from './warehouse.js';

export function createWarehouse(config: Config): Warehouse {
  if (config.warehouse.kind === 'duckdb') return new DuckDBWarehouse(config.warehouse.path);
  throw new Error('BATCH_WAREHOUSE=snowflake: the Snowflake warehouse is not built yet; use duckdb:<file>');
}
