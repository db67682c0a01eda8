// The custom search attributes that let the HTTP API list a tenant's runs by state. Dev servers we
// start register them with --search-attribute; `serve` adds them to any other namespace it can.
import type { Connection } from '@temporalio/client';
import { STATE_KEY, TENANT_KEY } from '../workflows/run/searchAttributes.js';

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD */
const KEYWORD = 2;

export const RUN_SEARCH_ATTRIBUTES: Record<string, number> = { [TENANT_KEY.name]: KEYWORD, [STATE_KEY.name]: KEYWORD };

export async function missingSearchAttributes(connection: Pick<Connection, 'operatorService'>, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return Object.keys(RUN_SEARCH_ATTRIBUTES).filter((name) => !(name in (customAttributes ?? {})));
}

/**
 * Registers the attributes that are missing and waits until the namespace reports them. Returns the
 * names still missing (e.g. the server refused: Temporal Cloud manages attributes elsewhere).
 */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
  waitMs = 15_000,
): Promise<string[]> {
  let missing = await missingSearchAttributes(connection, namespace);
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, RUN_SEARCH_ATTRIBUTES[name]])),
    });
  } catch {
    return missing;
  }
  const deadline = Date.now() + waitMs;
  while (missing.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    missing = await missingSearchAttributes(connection, namespace);
  }
  return missing;
}
