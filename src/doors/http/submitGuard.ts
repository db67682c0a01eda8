// What a submit must pass before anything is started or counted: the tenant may write the output
// table (else 403), and the warehouse's parser sees exactly one read-only statement (else 400).
// Returns the tenant's warehouse, which the row count then uses.
import type { Warehouse } from '../../adapters/warehouse/warehouse.js';
import type { ResolvedSpec } from '../../spec/types.js';
import { QueryRefusedError } from '../../adapters/warehouse/errors.js';
import { checkWriteGrant, TenantGrantError, UnknownTenantError } from '../../tenants/grants.js';
import type { Tenants } from '../../tenants/tenantsFile.js';
import { warehouseForTenant, type TenantWarehouses } from '../../tenants/warehouses.js';
import { badRequest, HttpError } from './errors.js';
import { problemsInBodyTerms, type BodyFormat } from './translate.js';

export interface SubmitGuardDeps {
  tenants?: Tenants;
  tenantWarehouses?: TenantWarehouses;
  warehouse: Warehouse;
}

/**
 * The tenant's warehouse, and whether its parser accepted the query: only an accepted query may be
 * counted (SQL the parser rejects alone may parse once wrapped, and must not run anywhere).
 */
export async function guardSubmit(
  deps: SubmitGuardDeps,
  tenant: string,
  spec: ResolvedSpec,
  format: BodyFormat,
): Promise<{ warehouse: Warehouse; checked: boolean }> {
  try {
    checkWriteGrant(deps.tenants, tenant, spec.outputDestination === 'table' ? spec.outputTableName : undefined);
  } catch (err) {
    if (err instanceof TenantGrantError || err instanceof UnknownTenantError) {
      const field = err instanceof TenantGrantError ? err.field : '(tenant)';
      throw new HttpError(403, 'forbidden', err.message, problemsInBodyTerms([{ field, message: err.message }], format));
    }
    throw err;
  }
  const warehouse = await warehouseForTenant(deps.warehouse, deps.tenantWarehouses, tenant);
  try {
    await warehouse.checkReadOnlyQuery(spec.renderedQuery, { useUtc: spec.useUtc, warehouse: spec.warehouse });
    return { warehouse, checked: true };
  } catch (err) {
    if (err instanceof QueryRefusedError) throw badRequest(problemsInBodyTerms([{ field: err.field, message: err.message }], format));
    // Anything else (a table the tenant's database lacks or may not read) fails the run in preparing,
    // with the warehouse's own message.
    return { warehouse, checked: false };
  }
}
