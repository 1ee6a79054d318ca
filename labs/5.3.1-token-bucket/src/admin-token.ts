// The admin token that guards /limits/stats (who is being limited, and how often, is not public).
// Sent as `authorization: Bearer <token>`; compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { UnauthorizedError } from '../../../shared/errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** A fresh random token, for a service started without one configured. */
export function generateAdminToken(): string {
  return randomBytes(24).toString('base64url');
}

export function requireAdminToken(token: string): RequestHandler {
  const want = digest(token);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const presented = /^Bearer (.+)$/i.exec(header)?.[1];
    if (presented === undefined) throw new UnauthorizedError('an admin token is required: authorization: Bearer <token>');
    if (!timingSafeEqual(digest(presented), want)) throw new UnauthorizedError('unknown admin token', 'invalid_token');
    next();
  };
}
