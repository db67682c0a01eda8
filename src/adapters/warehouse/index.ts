import type { Config } from '../../config.js';
import { DuckDBWarehouse } from './duckdbWarehouse.js';
import { SnowflakeWarehouse } from './snowflakeWarehouse.js';
import type { Warehouse } from './warehouse.js';

export function createWarehouse(config: Config): Warehouse {
  if (config.warehouse.kind === 'duckdb') return new DuckDBWarehouse(config.warehouse.path);
  return new SnowflakeWarehouse(config.warehouse);
}
