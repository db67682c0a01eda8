// The warehouse a tenant's runs use: its own DuckDB file, or Snowflake under its own role (a pool per
// role, so a connection never carries one tenant's role into another's statements). Without tenants,
// every run uses the worker's one warehouse, as before.
import type { Config } from '../config.js';
import { createWarehouse, type WarehouseSettings } from '../adapters/warehouse/registry.js';
import type { Warehouse } from '../adapters/warehouse/warehouse.js';
import { UnknownTenantError } from './grants.js';
import type { Tenants } from './tenantsFile.js';
import { DEFAULT_TENANT } from '../workflows/slots/contract.js';

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

  /** The worker's warehouse settings with the tenant's own database file or role. */
  private open(settings: Tenants[string]): Promise<Warehouse> {
    const w = this.config.warehouse;
    const own: WarehouseSettings = w.kind === 'duckdb' ? { ...w, path: settings.duckdb! } : { ...w, role: settings.snowflakeRole };
    return createWarehouse({ warehouse: own });
  }

  async close(): Promise<void> {
    await Promise.all([...this.opened.values()].map(async (w) => (await w).close()));
  }
}

/** The warehouse for a tenant's run: the tenant's own when tenants are configured, else the one given. */
export function warehouseForTenant(
  fallback: Warehouse,
  tenants: TenantWarehouses | undefined,
  tenant: string | undefined,
): Promise<Warehouse> {
  return tenants ? tenants.for(tenant ?? DEFAULT_TENANT) : Promise.resolve(fallback);
}
