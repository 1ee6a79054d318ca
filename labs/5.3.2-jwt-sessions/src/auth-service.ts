// Login, refresh, authenticate, logout: the token service (jose) and the session store (Redis) put
// together. Tokens prove who signed them; the session in Redis says whether they still count.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { AppError } from '../../../shared/errors';
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

/** A Redis error becomes a 503: auth fails closed, and never as a 500. */
async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new SessionStoreUnavailableError();
  }
}

export function createAuthService(pool: pg.Pool, d: StoreDeps, tokens: TokenService, bcryptRounds = 10) {
  const pair = async (userId: string, sid: string, refreshToken: string): Promise<TokenPair> => {
    const access = await tokens.sign('access', userId, sid);
    return { accessToken: access.token, refreshToken, sessionId: sid, expiresIn: tokens.accessTtlSec };
  };

  return {
    register: (email: string, password: string) => registerUser(pool, email, password, bcryptRounds),

    async login(email: string, password: string): Promise<TokenPair> {
      const userId = await checkCredentials(pool, email, password, bcryptRounds);
      if (!userId) throw new AuthError('invalid_credentials');
      const sid = randomUUID();
      // The refresh token lives exactly as long as the session may (its absolute expiry).
      const refreshExp = Math.floor((d.config.now() + d.config.absoluteTtlMs) / 1000);
      const refresh = await tokens.sign('refresh', userId, sid, refreshExp);
      await guard(() => createSession(d, userId, refresh.claims.jti, sid));
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
