// The warehouse a tenant's runs use: its own DuckDB file, or Snowflake under its own role (a pool per
// role, so a connection never carries one tenant's role into another's statements). Without tenants,
// every run uses the worker's one warehouse, as before.
import type { Config } from '../config.js';
import { DuckDBWarehouse } from '../adapters/warehouse/duckdbWarehouse.js';
import type { Warehouse } from '../adapters/warehouse/warehouse.js';
import { UnknownTenantError } from './grants.js';
import type { Tenants } from './tenantsFile.js';

export class TenantWarehouses {
  private readonly opened = new Map<string, Promise<Warehouse>>();

  constructor(
    private readonly config: Config,
    private readonly tenants: Tenants,
  ) {}

  for(tenant: string): Promise<Warehouse> {
    const settings = this.tenants[tenant];
    if (!settings) return Promise.reject(new UnknownTenantError(tenant));
    let warehouse = this.opened.get(tenant);
    if (!warehouse) {
      warehouse = this.open(settings);
      this.opened.set(tenant, warehouse);
    }
    return warehouse;
  }

  private async open(settings: Tenants[string]): Promise<Warehouse> {
    const w = this.config.warehouse;
    if (w.kind === 'duckdb') return new DuckDBWarehouse(settings.duckdb!);
    const { SnowflakeWarehouse } = await import('../adapters/warehouse/snowflakeWarehouse.js');
    return new SnowflakeWarehouse({ ...w, role: settings.snowflakeRole });
  }

  async close(): Promise<void> {
    await Promise.all([...this.opened.values()].map(async (w) => (await w).close()));
  }
}

/** The warehouse for a tenant's run: the tenant's own when tenants are configured, else the one given. */
export function warehouseForTenant(fallback: Warehouse, tenants: TenantWarehouses | undefined, tenant: string | undefined): Promise<Warehouse> {
  return tenants ? tenants.for(tenant ?? 'default') : Promise.resolve(fallback);
}
