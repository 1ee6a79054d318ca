// Login, refresh, authenticate, logout: the token service (jose) and the session store (Redis) put
// together. Tokens prove who signed them; the session in Redis says whether they still count.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { createLoginLimiter, DEFAULT_LOGIN_LIMITS, DEFAULT_SCRYPT, type LoginLimits, type ScryptParams } from '../../../shared/password';
import { isRedisUnavailable } from '../../../shared/redis-client';
import { AuthError, SessionStoreUnavailableError } from './auth-error';
import { readStats, type SessionStats } from './cleanup';
import { revokeAllSessions, revokeSession, revokeToken } from './revocation';
import { rotateRefresh } from './rotation';
import { createSession, validateSession } from './sessions';
import type { SessionInfo, StoreDeps } from './store';
import type { TokenClaims, TokenService } from './tokens';
import { checkCredentials, registerUser } from './users';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
}

export interface Authenticated {
  userId: string;
  sid: string;
  jti: string;
  exp: number;
}

/** Redis not answering becomes a 503 + Retry-After: auth fails closed, never as a 500 or a 401. */
async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isRedisUnavailable(err)) throw new SessionStoreUnavailableError();
    throw err; // a real bug stays a 500 with its stack in the log
  }
}

export interface AuthServiceOptions {
  /** scrypt cost for new hashes (tests pass a cheap one). */
  passwordParams?: ScryptParams;
  /** Login attempts per account and per client, per window. */
  loginLimits?: LoginLimits;
}

export function createAuthService(pool: pg.Pool, d: StoreDeps, tokens: TokenService, opts: AuthServiceOptions = {}) {
  const params = opts.passwordParams ?? DEFAULT_SCRYPT;
  const limiter = createLoginLimiter(d.redis, (kind, id) => d.k.loginAttempts(kind, id), opts.loginLimits ?? DEFAULT_LOGIN_LIMITS);
  const pair = async (userId: string, sid: string, refreshToken: string): Promise<TokenPair> => {
    const access = await tokens.sign('access', userId, sid);
    return { accessToken: access.token, refreshToken, sessionId: sid, expiresIn: tokens.accessTtlSec };
  };

  /** A user holds at most maxSessionsPerUser sessions: a login beyond it ends the oldest. */
  const endOldestSessions = async (userId: string) => {
    const extra = (await d.redis.zcard(d.k.index(userId))) - d.config.maxSessionsPerUser;
    if (extra <= 0) return;
    // The index is scored by expiry: the lowest scores are the sessions closest to ending anyway.
    for (const sid of await d.redis.zrange(d.k.index(userId), 0, extra - 1)) await revokeSession(d, userId, sid);
  };

  return {
    register: (email: string, password: string) => registerUser(pool, email, password, params),

    /** `client` identifies the caller for the per-client attempt limit (the HTTP route passes its IP). */
    async login(email: string, password: string, client = 'local'): Promise<TokenPair> {
      // Counted before the password is checked: concurrent guesses count too (429 over the limit).
      await guard(() => limiter.attempt(email, client));
      const userId = await checkCredentials(pool, email, password, params);
      if (!userId) throw new AuthError('invalid_credentials');
      const sid = randomUUID();
      // The refresh token lives exactly as long as the session may (its absolute expiry).
      const refreshExp = Math.floor((d.config.now() + d.config.absoluteTtlMs) / 1000);
      const refresh = await tokens.sign('refresh', userId, sid, refreshExp);
      await guard(async () => {
        await createSession(d, userId, refresh.claims.jti, sid);
        await limiter.succeeded(email);
        await endOldestSessions(userId);
      });
      return pair(userId, sid, refresh.token);
    },

    async refresh(refreshToken: string): Promise<TokenPair> {
      const claims = await tokens.verify(refreshToken, 'refresh');
      const next = await tokens.sign('refresh', claims.sub, claims.sid, claims.exp);
      await guard(() => rotateRefresh(d, claims.sub, claims.sid, claims.jti, next.claims.jti));
      return pair(claims.sub, claims.sid, next.token);
    },

    /** Signature and expiry only (no Redis): what a stateless JWT check is. */
    async verifyOnly(accessToken: string): Promise<Authenticated> {
      const c = await tokens.verify(accessToken, 'access');
      return { userId: c.sub, sid: c.sid, jti: c.jti, exp: c.exp };
    },

    /** Signature, expiry, then the session in Redis (revocations, sliding expiry). */
    async authenticate(accessToken: string): Promise<Authenticated> {
      const c: TokenClaims = await tokens.verify(accessToken, 'access');
      await guard(() => validateSession(d, c.sub, c.sid, c.jti));
      return { userId: c.sub, sid: c.sid, jti: c.jti, exp: c.exp };
    },

    logout: (a: Authenticated) => guard(() => revokeSession(d, a.userId, a.sid)),
    logoutAll: (a: Authenticated) => guard(() => revokeAllSessions(d, a.userId)),
    revokeToken: (a: Authenticated) => guard(() => revokeToken(d, a.userId, a.jti, a.exp)),

    async listSessions(userId: string): Promise<SessionInfo[]> {
      return guard(async () => {
        const sids = await d.redis.zrange(d.k.index(userId), 0, -1);
        const p = d.redis.pipeline();
        for (const sid of sids) p.hgetall(d.k.session(userId, sid));
        const rows = (await p.exec()) ?? [];
        return rows
          .map(([, h], i) => ({ sid: sids[i]!, h: h as Record<string, string> }))
          .filter(({ h }) => h && h.userId)
          .map(({ sid, h }) => ({ sid, userId: h.userId!, createdAt: Number(h.createdAt), lastSeenAt: Number(h.lastSeenAt), expiresAt: Number(h.expiresAt) }));
      });
    },

    stats: (): Promise<SessionStats> => guard(() => readStats(d)),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
