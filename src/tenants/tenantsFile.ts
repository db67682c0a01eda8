// BATCH_TENANTS_FILE: who each tenant is to the warehouse. A tenant's runs open only its own DuckDB
// file, or run every Snowflake statement under its own role, so the database decides what they can
// read; `write` lists the tables they may publish to. Validated with zod; no file, no tenants (one user).
import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { IDENTIFIER } from '../spec/identifiers.js';

export const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** schema.table, schema.* , a bare table name, or * (everything the database lets the tenant write). */
const WRITE_PATTERN = /^(\*|[A-Za-z_][A-Za-z0-9_$]*(\.([A-Za-z_][A-Za-z0-9_$]*|\*)){0,2})$/;

const tenantSchema = z
  .object({
    duckdb: z.string().min(1, "give the path of this tenant's DuckDB file").optional(),
    snowflakeRole: z.string().regex(IDENTIFIER, 'use a Snowflake role name (letters, digits, _ and $)').optional(),
    write: z
      .array(z.string().regex(WRITE_PATTERN, 'use schema.table, schema.* or *'))
      .min(1, 'list the tables the tenant may write, e.g. ["acme.*"]'),
  })
  .strict();

export const tenantsFileSchema = z
  .object({
    // Names are checked below: zod reports a bad record key only as "Invalid key in record".
    tenants: z.record(z.string(), tenantSchema),
  })
  .strict();

export type TenantSettings = z.infer<typeof tenantSchema>;
export type Tenants = Record<string, TenantSettings>;

export class TenantsFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`BATCH_TENANTS_FILE ${file} is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'TenantsFileError';
  }
}

/** Reads and validates the tenants file; each tenant must name what the configured warehouse needs. */
export function loadTenantsFile(file: string, warehouseKind: 'duckdb' | 'snowflake'): Tenants {
  let raw: unknown;
  try {
    const text = fs.readFileSync(file, 'utf8');
    raw = /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    // The message says why (missing file, bad syntax); the content is never echoed.
    throw new TenantsFileError(file, [
      `cannot read it as ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    ]);
  }
  const parsed = tenantsFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new TenantsFileError(
      file,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`),
    );
  }
  const problems: string[] = [];
  for (const [name, t] of Object.entries(parsed.data.tenants)) {
    if (!TENANT_NAME.test(name))
      problems.push(`tenants.${name}: use a tenant name of letters, digits, _ . and - (at most 64), as in BATCH_API_TOKENS`);
    if (warehouseKind === 'duckdb' && !t.duckdb)
      problems.push(`tenants.${name}.duckdb: required with BATCH_WAREHOUSE=duckdb:…; give the tenant's own database file`);
    if (warehouseKind === 'snowflake' && !t.snowflakeRole)
      problems.push(`tenants.${name}.snowflakeRole: required with BATCH_WAREHOUSE=snowflake; give the role whose grants bound the tenant`);
  }
  if (problems.length) throw new TenantsFileError(file, problems);
  return parsed.data.tenants;
}
