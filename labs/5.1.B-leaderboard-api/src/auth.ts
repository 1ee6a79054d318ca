// Admin protection for the reset endpoint: either an API key in `x-api-key`, or a bearer JWT (HS256,
// verified with jose) whose `role` claim is `admin`. No or bad credentials: 401; a valid token without
// the admin role: 403.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { ForbiddenError, UnauthorizedError } from '../../../shared/errors';

export interface AdminAuth {
  /** Accepted in the `x-api-key` header. */
  apiKey: string;
  /** HS256 secret that admin JWTs are signed with. */
  jwtSecret: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();
/** Constant-time comparison (hashing first makes the lengths equal). */
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export function requireAdmin(auth: AdminAuth): RequestHandler {
  const secret = new TextEncoder().encode(auth.jwtSecret);
  return async (req, _res, next) => {
    const apiKey = req.get('x-api-key');
    if (apiKey !== undefined) {
      if (!sameSecret(apiKey, auth.apiKey)) throw new UnauthorizedError('invalid API key', 'invalid_api_key');
      return next();
    }
    const bearer = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!bearer) throw new UnauthorizedError('admin credentials required: x-api-key header or Authorization: Bearer <JWT>');
    let role: unknown;
    try {
      // A token without exp would be an admin credential forever: refused, however well signed.
      ({ payload: { role } } = await jwtVerify(bearer, secret, { algorithms: ['HS256'], requiredClaims: ['exp'] }));
    } catch {
      throw new UnauthorizedError('invalid or expired token', 'invalid_token');
    }
    if (role !== 'admin') throw new ForbiddenError('the admin role is required');
    next();
  };
}

/** Signs a token with a role (the demo and tests use it; a real deployment gets tokens from its IdP). */
export function signToken(jwtSecret: string, subject: string, role: string, ttl = '1h'): Promise<string> {
  return new SignJWT({ role }).setProtectedHeader({ alg: 'HS256' }).setSubject(subject).setIssuedAt().setExpirationTime(ttl).sign(new TextEncoder().encode(jwtSecret));
}
