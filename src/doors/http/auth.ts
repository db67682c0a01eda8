// Bearer tokens → tenants (BATCH_API_TOKENS). Tokens are compared by their digests in constant time,
// and never logged, echoed or passed to a workflow.
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from './errors.js';

const digest = (token: string) => createHash('sha256').update(token).digest();

export type Authenticate = (authorization: string | undefined) => string;

export function bearerAuth(tokens: Record<string, string>): Authenticate {
  const known = Object.entries(tokens).map(([token, tenant]) => ({ digest: digest(token), tenant }));
  return (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new HttpError(401, 'unauthorized', 'Send Authorization: Bearer <token>');
    const presented = digest(match[1]);
    let tenant: string | undefined;
    for (const k of known) if (timingSafeEqual(k.digest, presented)) tenant = k.tenant;
    if (!tenant) throw new HttpError(401, 'unauthorized', 'Unknown token');
    return tenant;
  };
}
