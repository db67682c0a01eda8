// Whether a tenant may write a table. Checked at the doors (403 / exit 2) and again in preparing, so
// a run started any other way (the Temporal CLI, an old schedule) cannot write outside the grant.
import { NonRetryableError } from '../nonRetryableError.js';
import type { Tenants } from './tenantsFile.js';
import { DEFAULT_TENANT } from '../workflows/slots/contract.js';

export class TenantGrantError extends NonRetryableError {
  readonly field = 'outputTableName';
  constructor(
    readonly tenant: string,
    readonly table: string,
    readonly granted: string[],
  ) {
    super(
      `outputTableName: tenant "${tenant}" may not write ${table}; write to one of ${granted.join(', ') || '(nothing)'} (the tenant's "write" list in BATCH_TENANTS_FILE)`,
    );
  }
}

export class UnknownTenantError extends NonRetryableError {
  constructor(readonly tenant: string) {
    super(
      `tenant "${tenant}" is not in BATCH_TENANTS_FILE; add it there (with its database and the tables it may write), or run as a listed tenant`,
    );
  }
}

/** The grant check as field problems, for config files checked with every other problem (sensors, cron jobs). */
export function grantProblems(
  config: { tenants?: Tenants },
  tenant: string | undefined,
  spec: Record<string, unknown>,
  field: string,
): { field: string; message: string }[] {
  if ((spec.outputDestination ?? 'table') !== 'table') return [];
  try {
    checkWriteGrant(config.tenants, tenant ?? DEFAULT_TENANT, spec.outputTableName as string | undefined);
    return [];
  } catch (err) {
    if (err instanceof TenantGrantError || err instanceof UnknownTenantError) {
      return [{ field: err instanceof TenantGrantError ? field : 'tenant', message: err.message.replace(/^outputTableName: /, '') }];
    }
    throw err;
  }
}

function matches(pattern: string, table: string): boolean {
  const want = pattern.toLowerCase().split('.');
  const got = table.toLowerCase().split('.');
  if (want.length === 1 && want[0] === '*') return true;
  // Compare from the right: the grant "acme.*" covers acme.t and db.acme.t, not t in another schema.
  if (want.length > got.length) return false;
  const tail = got.slice(got.length - want.length);
  return want.every((part, i) => part === '*' || part === tail[i]) && (want.length === got.length || want.length > 1);
}

/** Throws unless the tenant may write the table. No tenants configured: everyone may (single user). */
export function checkWriteGrant(tenants: Tenants | undefined, tenant: string, table: string | undefined): void {
  if (!tenants) return;
  const settings = tenants[tenant];
  if (!settings) throw new UnknownTenantError(tenant);
  if (table === undefined) return;
  if (!settings.write.some((p) => matches(p, table))) throw new TenantGrantError(tenant, table, settings.write);
}
