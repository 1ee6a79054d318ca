// Admin authentication for the cache management routes: an API key (X-API-Key) or a JWT (HS256,
// `role` claim, verified with jose). No credentials → 401; valid credentials without the role → 403.
import type { RequestHandler } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { ForbiddenError, UnauthorizedError } from '../../../../shared/errors';

export interface AuthConfig {
  /** API key → role. */
  apiKeys: Record<string, string>;
  /** HS256 secret for JWTs (at least 32 bytes). */
  jwtSecret: Uint8Array;
}

/** Who is calling: a role, and for a JWT its subject (a user id for user tokens). */
export interface Identity {
  role: string;
  sub?: string;
}

/** The caller's identity; throws UnauthorizedError for missing or bad credentials. */
export async function identityOf(headers: { authorization?: string; 'x-api-key'?: string | string[] }, auth: AuthConfig): Promise<Identity> {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey) {
    const role = Object.hasOwn(auth.apiKeys, apiKey) ? auth.apiKeys[apiKey] : undefined;
    if (!role) throw new UnauthorizedError('unknown API key');
    return { role };
  }
  const bearer = headers.authorization?.match(/^Bearer (.+)$/i)?.[1];
  if (!bearer) throw new UnauthorizedError('send X-API-Key or Authorization: Bearer <jwt>');
  try {
    // `exp` is required: a token that never expires is not accepted.
    const { payload } = await jwtVerify(bearer, auth.jwtSecret, { algorithms: ['HS256'], requiredClaims: ['exp'] });
    return { role: typeof payload.role === 'string' ? payload.role : 'none', sub: payload.sub };
  } catch {
    throw new UnauthorizedError('invalid or expired token');
  }
}

export async function roleOf(headers: { authorization?: string; 'x-api-key'?: string | string[] }, auth: AuthConfig): Promise<string> {
  return (await identityOf(headers, auth)).role;
}

/** True when the request carries credentials at all (valid or not). */
export function hasCredentials(headers: { authorization?: string; 'x-api-key'?: string | string[] }): boolean {
  return Boolean(headers.authorization || headers['x-api-key']);
}

export function requireRole(role: string, auth: AuthConfig): RequestHandler {
  return async (req, _res, next) => {
    try {
      const has = await roleOf(req.headers as Parameters<typeof roleOf>[0], auth);
      if (has !== role) throw new ForbiddenError(`requires the ${role} role`);
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** A token for `role`; `subject` names the caller (a user id for a user's own token; default the role). */
export function issueToken(role: string, secret: Uint8Array, expiresIn = '1h', subject = role): Promise<string> {
  return new SignJWT({ role }).setProtectedHeader({ alg: 'HS256' }).setSubject(subject).setIssuedAt().setExpirationTime(expiresIn).sign(secret);
}
