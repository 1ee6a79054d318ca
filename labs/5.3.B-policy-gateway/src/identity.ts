// API keys: high-entropy random strings shown once; Postgres keeps only their SHA-256 (a slow password
// hash buys nothing against 256 random bits, and a per-request lookup must be cheap).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { UnauthorizedError } from '../../../shared/errors';
import type { Identity } from './plan';
import { ANONYMOUS_TIER, type Snapshot } from './policy';

export function generateApiKey(): string {
  return `gw_${randomBytes(32).toString('base64url')}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Constant-time comparison of a presented secret with an expected one (via their hashes). */
export function sameSecret(presented: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(presented).digest(), createHash('sha256').update(expected).digest());
}

/** The key a request presents: `X-API-Key: …` or `Authorization: Bearer …`. */
export function presentedKey(req: IncomingMessage): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return undefined;
}

/** Who is calling: a known key's tenant and tier, or the client address in the anonymous tier. */
export function identify(req: IncomingMessage, snap: Snapshot): Identity {
  const key = presentedKey(req);
  if (key !== undefined) {
    const record = key.length <= 200 ? snap.keysByHash.get(hashKey(key)) : undefined;
    if (!record) throw new UnauthorizedError('unknown or revoked API key', 'invalid_api_key');
    return { id: `key:${record.id}`, tenant: record.tenant, tier: record.tier, keyId: record.id };
  }
  const ip = req.socket.remoteAddress ?? 'unknown';
  return { id: `ip:${ip}`, tenant: 'anonymous', tier: ANONYMOUS_TIER };
}
