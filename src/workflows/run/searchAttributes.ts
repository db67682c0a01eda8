// The search attributes that let the HTTP API list a tenant's runs by state: one definition of each key.
// Registered by `serve` (and on every dev server we start); a run upserts BatchState only when it was
// started with BatchTenant, so a namespace without them never sees an upsert it would reject.
import { defineSearchAttributeKey } from '@temporalio/common';

export const TENANT_KEY = defineSearchAttributeKey('BatchTenant', 'KEYWORD');
export const STATE_KEY = defineSearchAttributeKey('BatchState', 'KEYWORD');

/** The attributes a run starts with: listed under its tenant, in state submitted (the run upserts the rest). */
export function startAttributes(tenant: string) {
  return [
    { key: TENANT_KEY, value: tenant },
    { key: STATE_KEY, value: 'submitted' },
  ];
}
