// Accounts and sessions. Passwords are hashed with scrypt (shared/password.ts: the whole password, off
// the event loop) in one Redis hash, user -> hash; a bcrypt hash stored before is accepted once and
// replaced. Login attempts are limited per account and per client. A login hands out a random token
// stored with a TTL, which the WebSocket upgrade must present.
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../../../shared/redis-client';
import { z } from 'zod';
import { ConflictError, UnauthorizedError } from '../../../shared/errors';
import type { KeyBuilder } from '../../../shared/keys';
import { createLoginLimiter, DEFAULT_LOGIN_LIMITS, DEFAULT_SCRYPT, hashPassword, verifyDummy, verifyPassword, type LoginLimits, type ScryptParams } from '../../../shared/password';

export const Credentials = z.object({
  user: z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'user names are 1-32 of a-z, A-Z, 0-9, _ and -'),
  // Hashed whole; the cap only bounds the work one request can ask for.
  password: z.string().min(8, 'passwords have at least 8 characters').max(200, 'passwords have at most 200 characters'),
});
export type Credentials = z.infer<typeof Credentials>;

export interface AuthOptions {
  /** scrypt cost of new hashes (default DEFAULT_SCRYPT; tests and benches pass TEST_SCRYPT). */
  passwordParams?: ScryptParams;
  /** Login attempts per account and per client per window. */
  loginLimits?: LoginLimits;
  sessionTtlSec?: number;
}

export interface Session {
  token: string;
  user: string;
  expiresInSec: number;
}

export interface Auth {
  /** Creates the account; ConflictError when the name is taken. */
  register(creds: Credentials): Promise<void>;
  /**
   * A new session for a correct password; UnauthorizedError (the same for an unknown user) otherwise;
   * TooManyLoginAttemptsError over the limits. `client` (the caller's IP) keys the per-client limit.
   */
  login(creds: Credentials, client?: string): Promise<Session>;
  /** A session for a user already authenticated (benches, admin tools). */
  createSession(user: string): Promise<Session>;
  /** The user a token belongs to, or null when it is unknown or expired. */
  userFor(token: string): Promise<string | null>;
  logout(token: string): Promise<void>;
}

export function createAuth(redis: RedisClient, keys: KeyBuilder, opts: AuthOptions = {}): Auth {
  const params = opts.passwordParams ?? DEFAULT_SCRYPT;
  const ttl = opts.sessionTtlSec ?? 24 * 3600;
  const usersKey = keys.key('users');
  const sessionKey = (token: string) => keys.key('session', token);
  const limiter = createLoginLimiter(redis, (kind, id) => keys.key('login-attempts', kind, id), opts.loginLimits ?? DEFAULT_LOGIN_LIMITS);

  const auth: Auth = {
    async register({ user, password }) {
      const hash = await hashPassword(password, params);
      // HSETNX: two registrations of one name at once cannot both win.
      if ((await redis.hsetnx(usersKey, user, hash)) === 0) throw new ConflictError(`user ${user} already exists`);
    },
    async login({ user, password }, client = 'local') {
      await limiter.attempt(user, client); // counted before the check: concurrent guesses count too
      const hash = await redis.hget(usersKey, user);
      // An unknown user costs one hash of the same cost: a wrong name takes as long as a wrong password.
      const { ok, needsRehash } = hash ? await verifyPassword(password, hash, params) : { ok: await verifyDummy(password, params), needsRehash: false };
      if (!hash || !ok) throw new UnauthorizedError('wrong user name or password', 'invalid_credentials');
      if (needsRehash) await redis.hset(usersKey, user, await hashPassword(password, params));
      await limiter.succeeded(user);
      return auth.createSession(user);
    },
    async createSession(user) {
      const token = randomBytes(24).toString('base64url');
      await redis.set(sessionKey(token), user, 'EX', ttl);
      return { token, user, expiresInSec: ttl };
    },
    // Tokens are 32 base64url characters: anything else is not one of ours (and never reaches Redis).
    userFor: (token) => (/^[A-Za-z0-9_-]{32}$/.test(token) ? redis.get(sessionKey(token)) : Promise.resolve(null)),
    async logout(token) {
      await redis.del(sessionKey(token));
    },
  };
  return auth;
}
