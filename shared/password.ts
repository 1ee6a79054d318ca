// Password hashing and login-attempt limits, shared by every lab that stores passwords (5.1.2, 5.3.2).
// scrypt from node:crypto: it reads the whole password (bcrypt stops at 72 bytes), runs on libuv's
// thread pool (bcryptjs burns the event loop), and its parameters live in the hash string, so they can
// be raised later and old hashes still verify. Hashes stored by bcrypt still verify and are flagged
// for a rehash on the next successful login.
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { RedisClient } from './redis-client';
import { AppError } from './errors';

export interface ScryptParams {
  /** CPU/memory cost as a power of two: N = 2^logN. */
  logN: number;
  /** Block size. Memory is about 128 · N · r bytes. */
  r: number;
  /** Parallelism. */
  p: number;
}

/** 2^15 · 8 · 128 B = 32 MiB and ~50-100 ms per hash on a small machine: OWASP's scrypt minimum or above. */
export const DEFAULT_SCRYPT: ScryptParams = { logN: 15, r: 8, p: 1 };
/** For tests and benches only: cheap on purpose. */
export const TEST_SCRYPT: ScryptParams = { logN: 10, r: 8, p: 1 };

const KEY_LEN = 32;
const SALT_LEN = 16;
// A stored hash names its own cost; refuse absurd ones rather than let a bad row eat the machine.
const MAX = { logN: 20, r: 32, p: 16 };

function derive(password: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  const N = 2 ** p.logN;
  const options: ScryptOptions = { N, r: p.r, p: p.p, maxmem: 256 * N * p.r * p.p + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_LEN, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64, no padding), the PHC string format. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const key = await derive(password, salt, params);
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
const SCRYPT_RE = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const BCRYPT_RE = /^\$2[aby]\$\d\d\$/;

export interface Verified {
  ok: boolean;
  /** The stored hash is bcrypt or weaker than `params`: store hashPassword(password) now. */
  needsRehash: boolean;
}

/** Checks a password against a stored hash (scrypt, or a legacy bcrypt one); never throws for a bad hash. */
export async function verifyPassword(password: string, stored: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<Verified> {
  const m = SCRYPT_RE.exec(stored);
  if (m) {
    const p: ScryptParams = { logN: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
    if (p.logN > MAX.logN || p.r > MAX.r || p.p > MAX.p || p.logN < 1) return { ok: false, needsRehash: false };
    const expected = Buffer.from(m[5]!, 'base64');
    const actual = await derive(password, Buffer.from(m[4]!, 'base64'), p);
    const ok = actual.length === expected.length && timingSafeEqual(actual, expected);
    const weaker = p.logN < params.logN || p.r < params.r || p.p < params.p;
    return { ok, needsRehash: ok && weaker };
  }
  if (BCRYPT_RE.test(stored)) {
    // Legacy: bcrypt compares only the first 72 bytes; a success is replaced by a scrypt hash at once.
    const ok = await bcrypt.compare(password, stored);
    return { ok, needsRehash: ok };
  }
  return { ok: false, needsRehash: false };
}

const dummies = new Map<string, Promise<string>>();
/**
 * Verifies against a fixed hash of the same cost, for an unknown account: a wrong name then costs as
 * long as a wrong password (no account enumeration by timing). Always false.
 */
export async function verifyDummy(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<false> {
  const id = `${params.logN},${params.r},${params.p}`;
  let h = dummies.get(id);
  if (!h) dummies.set(id, (h = hashPassword('not a real password', params)));
  await verifyPassword(password, await h, params);
  return false;
}

// --- Login-attempt limits -------------------------------------------------------------------------

export interface LoginLimits {
  /** Attempts per account per window (a success clears the account's count). */
  perAccount: number;
  /** Attempts per client (IP) per window, whatever the account. */
  perClient: number;
  windowSec: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 10, perClient: 100, windowSec: 300 };

/** Too many login attempts: 429 with the seconds until the window ends. */
export class TooManyLoginAttemptsError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'too_many_login_attempts', `too many login attempts; try again in ${retryAfterSeconds} s`);
  }
}

export interface LoginLimiter {
  /** Counts one attempt for the account and the client; throws TooManyLoginAttemptsError over a limit. */
  attempt(account: string, client: string): Promise<void>;
  /** A successful login clears the account's count (not the client's). */
  succeeded(account: string): Promise<void>;
}

/**
 * Fixed-window counters in Redis (INCR + EXPIRE NX), one per account and one per client, counted
 * BEFORE the password is checked, so 50 concurrent guesses are counted as 50. Keys carry a hash of
 * the account name (no e-mail addresses in Redis) and expire with their window: memory is bounded by
 * the attempts of one window. `keyOf` builds the lab's key, e.g. keys.key('login-attempts', kind, id).
 */
export function createLoginLimiter(redis: RedisClient, keyOf: (kind: 'account' | 'client', id: string) => string, limits: LoginLimits = DEFAULT_LOGIN_LIMITS): LoginLimiter {
  const short = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);
  const count = async (key: string): Promise<[number, number]> => {
    const r = await redis.multi().incr(key).expire(key, limits.windowSec, 'NX').ttl(key).exec();
    if (!r) throw new Error('login-attempt counter: transaction aborted');
    for (const [err] of r) if (err) throw err;
    return [Number(r[0]![1]), Number(r[2]![1])];
  };
  return {
    async attempt(account, client) {
      const [[a, aTtl], [c, cTtl]] = await Promise.all([count(keyOf('account', short(account.toLowerCase()))), count(keyOf('client', short(client)))]);
      const over = [a > limits.perAccount ? aTtl : 0, c > limits.perClient ? cTtl : 0];
      const wait = Math.max(...over);
      if (wait > 0 || a > limits.perAccount || c > limits.perClient) throw new TooManyLoginAttemptsError(Math.max(1, wait));
    },
    async succeeded(account) {
      await redis.del(keyOf('account', short(account.toLowerCase())));
    },
  };
}
