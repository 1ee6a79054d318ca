// Accounts and sessions. Passwords are hashed with bcrypt (bcryptjs) in one Redis hash, user -> hash;
// a login hands out a random token stored with a TTL, which the WebSocket upgrade must present.
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ConflictError, UnauthorizedError } from '../../../shared/errors';
import type { KeyBuilder } from '../../../shared/keys';

export const Credentials = z.object({
  user: z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'user names are 1-32 of a-z, A-Z, 0-9, _ and -'),
  password: z.string().min(8, 'passwords have at least 8 characters').max(72, 'bcrypt reads at most 72 bytes'),
});
export type Credentials = z.infer<typeof Credentials>;

export interface AuthOptions {
  /** bcrypt cost: 10 is a sane default; tests and benches use the minimum, 4. */
  rounds?: number;
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
  /** A new session for a correct password; UnauthorizedError (the same for an unknown user) otherwise. */
  login(creds: Credentials): Promise<Session>;
  /** A session for a user already authenticated (benches, admin tools). */
  createSession(user: string): Promise<Session>;
  /** The user a token belongs to, or null when it is unknown or expired. */
  userFor(token: string): Promise<string | null>;
  logout(token: string): Promise<void>;
}

export function createAuth(redis: Redis, keys: KeyBuilder, opts: AuthOptions = {}): Auth {
  const rounds = opts.rounds ?? 10;
  const ttl = opts.sessionTtlSec ?? 24 * 3600;
  const usersKey = keys.key('users');
  const sessionKey = (token: string) => keys.key('session', token);
  // Compared against when the user does not exist, so a wrong name costs as long as a wrong password.
  const dummyHash = bcrypt.hashSync('not a real password', rounds);

  const auth: Auth = {
    async register({ user, password }) {
      const hash = await bcrypt.hash(password, rounds);
      // HSETNX: two registrations of one name at once cannot both win.
      if ((await redis.hsetnx(usersKey, user, hash)) === 0) throw new ConflictError(`user ${user} already exists`);
    },
    async login({ user, password }) {
      const hash = await redis.hget(usersKey, user);
      const ok = await bcrypt.compare(password, hash ?? dummyHash);
      if (!hash || !ok) throw new UnauthorizedError('wrong user name or password', 'invalid_credentials');
      return auth.createSession(user);
    },
    async createSession(user) {
      const token = randomBytes(24).toString('base64url');
      await redis.set(sessionKey(token), user, 'EX', ttl);
      return { token, user, expiresInSec: ttl };
    },
    userFor: (token) => (token ? redis.get(sessionKey(token)) : Promise.resolve(null)),
    async logout(token) {
      await redis.del(sessionKey(token));
    },
  };
  return auth;
}
