// The HTTP service: register, login, refresh, logout, logout-all, revoke one token, a protected
// route, the user's sessions and /sessions/stats.
import type { RequestHandler } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';
import { createApp, finishApp, valid, validate } from '../../../shared/http';
import type { KeyBuilder } from '../../../shared/keys';
import { TooManyLoginAttemptsError, type LoginLimits, type ScryptParams } from '../../../shared/password';
import { AuthError } from './auth-error';
import { createAuthService, type Authenticated, type AuthService } from './auth-service';
import { startCleanup, type CleanupOptions } from './cleanup';
import { storeDeps, type SessionConfig } from './store';
import { createTokenService, type TokenServiceOptions } from './tokens';
import { migrateUsers } from './users';
import type { RedisClient } from '../../../shared/redis-client';

export interface SessionAppOptions {
  redis: RedisClient;
  pg: pg.Pool;
  keys: KeyBuilder;
  /** Shared by every instance: a token signed by one must verify on all. */
  secret?: string | Uint8Array;
  now?: () => number;
  accessTtlSec?: number;
  session?: Partial<Omit<SessionConfig, 'now'>>;
  /** scrypt cost of new password hashes (default DEFAULT_SCRYPT; tests pass TEST_SCRYPT). */
  passwordParams?: ScryptParams;
  /** Login attempts per account and per client per window (default DEFAULT_LOGIN_LIMITS). */
  loginLimits?: LoginLimits;
  /** false: the protected routes check the signature only (the bench's comparison). */
  checkSession?: boolean;
  cleanup?: CleanupOptions | false;
  log?: Logger;
}

// Passwords are hashed whole (scrypt), so the cap only bounds the work one request can ask for.
const credentials = { body: z.object({ email: z.email().max(200), password: z.string().min(8).max(200) }) };
const refreshBody = { body: z.object({ refreshToken: z.string().min(1).max(4096) }) };

/** `Authorization: Bearer <token>` → res.locals.auth, or a 401 with a precise code. */
export function requireAuth(auth: AuthService, checkSession = true): RequestHandler {
  return async (req, res, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!m) return next(new AuthError('token_missing'));
    try {
      res.locals.auth = checkSession ? await auth.authenticate(m[1]!) : await auth.verifyOnly(m[1]!);
      next();
    } catch (err) {
      next(err);
    }
  };
}

export async function createSessionApp(opts: SessionAppOptions) {
  const now = opts.now ?? Date.now;
  const tokens = createTokenService({ secret: opts.secret, now, accessTtlSec: opts.accessTtlSec } satisfies TokenServiceOptions);
  const d = storeDeps(opts.redis, opts.keys, { ...opts.session, now });
  const auth = createAuthService(opts.pg, d, tokens, { passwordParams: opts.passwordParams, loginLimits: opts.loginLimits });
  await migrateUsers(opts.pg);
  const cleanup = opts.cleanup === false ? undefined : await startCleanup(d, { log: opts.log, ...opts.cleanup });

  const app = createApp({ name: 'lab_5_3_2' });
  const authed = requireAuth(auth, opts.checkSession !== false);
  const who = (res: { locals: Record<string, unknown> }) => res.locals.auth as Authenticated;

  app.post('/auth/register', validate(credentials), async (_req, res) => {
    const { email, password } = valid(res, credentials).body;
    res.status(201).json(await auth.register(email, password));
  });
  app.post('/auth/login', validate(credentials), async (req, res) => {
    const { email, password } = valid(res, credentials).body;
    try {
      res.json(await auth.login(email, password, req.ip ?? 'unknown'));
    } catch (err) {
      if (err instanceof TooManyLoginAttemptsError) res.set('Retry-After', String(err.retryAfterSeconds));
      throw err;
    }
  });
  app.post('/auth/refresh', validate(refreshBody), async (_req, res) => {
    res.json(await auth.refresh(valid(res, refreshBody).body.refreshToken));
  });
  app.post('/auth/logout', authed, async (_req, res) => {
    await auth.logout(who(res));
    res.status(204).end();
  });
  app.post('/auth/logout-all', authed, async (_req, res) => {
    res.json({ revoked: await auth.logoutAll(who(res)) });
  });
  app.post('/auth/revoke-token', authed, async (_req, res) => {
    await auth.revokeToken(who(res));
    res.status(204).end();
  });
  app.get('/me', authed, (_req, res) => {
    const a = who(res);
    res.json({ userId: a.userId, sessionId: a.sid, tokenExpiresAt: a.exp });
  });
  app.get('/sessions', authed, async (_req, res) => {
    res.json({ sessions: await auth.listSessions(who(res).userId) });
  });
  app.get('/sessions/stats', async (_req, res) => {
    res.json({ ...(await auth.stats()), cleanup: cleanup?.mode ?? 'off' });
  });
  finishApp(app);

  return { app, auth, deps: d, tokens, cleanupMode: cleanup?.mode, close: async () => cleanup?.stop() };
}
