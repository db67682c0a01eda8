import type { Config } from '../../config.js';
import type { Warehouse } from './warehouse.js';

/** The configured warehouse. Each driver loads only when it is used, so commands that need none start fast. */
export async function createWarehouse(config: Config): Promise<Warehouse> {
  if (config.warehouse.kind === 'duckdb') {
    const { DuckDBWarehouse } = await import('./duckdbWarehouse.js');
    return new DuckDBWarehouse(config.warehouse.path);
  }
  const { SnowflakeWarehouse } = await import('./snowflakeWarehouse.js');
  return new SnowflakeWarehouse(config.warehouse);
}
