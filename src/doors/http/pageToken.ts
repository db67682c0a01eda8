// Page tokens: Temporal's visibility cursor wrapped with the filter it belongs to and signed, so a
// forged or edited token is refused at once (400) instead of being handed to the server, which spent
// about 20 s refusing a garbage cursor. The key comes from the API's bearer tokens: every replica
// configured alike signs and reads the same tokens, and no tenant knows the whole set.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface PageFilter {
  tenant: string;
  status: string | null;
}

/** Length of a base64url HMAC-SHA256: the signature leads the token. */
const SIGNATURE_CHARS = 43;

export function pageTokenKey(apiTokens: Record<string, string>): Buffer {
  const material = Object.entries(apiTokens)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([t, tenant]) => `${t}\n${tenant}`)
    .join('\n');
  return createHash('sha256').update('batch-inference page tokens\n').update(material).digest();
}

const sign = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest('base64url');

export function writePageToken(key: Buffer, cursor: Uint8Array, filter: PageFilter): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, ...filter, cursor: Buffer.from(cursor).toString('base64') })).toString('base64url');
  return sign(key, payload) + payload;
}

/** The cursor, when the token is one this API signed for this very filter; else undefined. */
export function readPageToken(key: Buffer, token: string, filter: PageFilter): Uint8Array | undefined {
  const signature = Buffer.from(token.slice(0, SIGNATURE_CHARS));
  const payload = token.slice(SIGNATURE_CHARS);
  const expected = Buffer.from(sign(key, payload));
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (parsed.v !== 1 || parsed.tenant !== filter.tenant || parsed.status !== filter.status || typeof parsed.cursor !== 'string')
      return undefined;
    return Buffer.from(parsed.cursor, 'base64');
  } catch {
    return undefined;
  }
}
