// Sessions come from lab 5.3.2 (JWT access tokens checked against a session in Redis: TTL, sliding
// expiry, revocation, logout everywhere). This file is the capstone's only import point for it.
import type { RequestHandler } from 'express';
import type { RedisClient } from '../../shared/redis-client';
import type pg from 'pg';
import { AppError } from '../../shared/errors';
import type { KeyBuilder } from '../../shared/keys';
import type { ScryptParams } from '../../shared/password';
import { AuthError } from '../../labs/5.3.2-jwt-sessions/src/auth-error';
import { createAuthService, type AuthService } from '../../labs/5.3.2-jwt-sessions/src/auth-service';
import { storeDeps } from '../../labs/5.3.2-jwt-sessions/src/store';
import { createTokenService } from '../../labs/5.3.2-jwt-sessions/src/tokens';

export type { AuthService };

export interface SessionOptions {
  /** HS256 secret (≥ 32 bytes); JWT_SECRET or a random one per process when omitted. */
  secret?: string;
  now?: () => number;
  /** scrypt cost for new accounts (tests and the bench use the cheap TEST_SCRYPT). */
  passwordParams?: ScryptParams;
}

export function createSessions(pool: pg.Pool, redis: RedisClient, keys: KeyBuilder, opts: SessionOptions = {}): AuthService {
  const tokens = createTokenService({ secret: opts.secret, now: opts.now, issuer: 'capstone' });
  return createAuthService(pool, storeDeps(redis, keys.forLab('capstone-sessions'), { now: opts.now ?? Date.now }), tokens, { passwordParams: opts.passwordParams });
}

function bearer(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
}

/** A valid token AND a live session in Redis → res.locals.auth; else 401 (503 when Redis is down: fails closed). */
export function requireUser(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const token = bearer(req.get('authorization'));
    if (!token) return next(new AuthError('token_missing'));
    try {
      res.locals.auth = await auth.authenticate(token);
      (req as { userId?: string }).userId = res.locals.auth.userId;
      next();
    } catch (err) {
      // 5.3.2 fails closed with a 503 when Redis is away; every 503 here says when to retry.
      if (err instanceof AppError && err.status === 503) res.set('Retry-After', '1');
      next(err);
    }
  };
}

/** For reads: who is asking, from the signature alone (no Redis), only to pick the rate-limit bucket. */
export function identifyUser(auth: AuthService): RequestHandler {
  return async (req, _res, next) => {
    const token = bearer(req.get('authorization'));
    if (token) {
      try {
        (req as { userId?: string }).userId = (await auth.verifyOnly(token)).userId;
      } catch {
        // An invalid token on a public read is treated as anonymous.
      }
    }
    next();
  };
}
