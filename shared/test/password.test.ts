// The shared password module: scrypt reads the whole password, legacy bcrypt hashes verify once and ask
// for a rehash, and login attempts are counted per account and per client in Redis with a TTL.
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../harness/context';
import { createLoginLimiter, hashPassword, TEST_SCRYPT, TooManyLoginAttemptsError, verifyDummy, verifyPassword } from '../password';

describe('password hashing (scrypt)', () => {
  it('reads the whole password: two 200-character passwords sharing their first 72 bytes differ', async () => {
    const head = 'x'.repeat(72);
    const a = `${head}${'a'.repeat(128)}`;
    const b = `${head}${'b'.repeat(128)}`;
    const stored = await hashPassword(a, TEST_SCRYPT);
    expect(await verifyPassword(a, stored, TEST_SCRYPT)).toEqual({ ok: true, needsRehash: false });
    expect(await verifyPassword(b, stored, TEST_SCRYPT)).toEqual({ ok: false, needsRehash: false });
  });

  it('stores its parameters and a random salt in the hash string', async () => {
    const one = await hashPassword('correct horse', TEST_SCRYPT);
    const two = await hashPassword('correct horse', TEST_SCRYPT);
    expect(one).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(one).not.toBe(two);
  });

  it('asks for a rehash when the stored cost is below the current one', async () => {
    const weak = await hashPassword('correct horse', { logN: 8, r: 8, p: 1 });
    expect(await verifyPassword('correct horse', weak, TEST_SCRYPT)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword('wrong horse', weak, TEST_SCRYPT)).toEqual({ ok: false, needsRehash: false });
  });

  it('verifies a legacy bcrypt hash and flags it for a rehash', async () => {
    const legacy = await bcrypt.hash('correct horse', 4);
    expect(await verifyPassword('correct horse', legacy, TEST_SCRYPT)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword('wrong horse!', legacy, TEST_SCRYPT)).toEqual({ ok: false, needsRehash: false });
  });

  it('refuses malformed or absurdly expensive stored hashes without throwing', async () => {
    expect((await verifyPassword('x', 'garbage')).ok).toBe(false);
    expect((await verifyPassword('x', '$scrypt$ln=40,r=8,p=1$AAAA$AAAA')).ok).toBe(false);
    expect(await verifyDummy('anything', TEST_SCRYPT)).toBe(false);
  });
});

describe('login-attempt limiter', () => {
  let ctx: LabContext;
  beforeAll(async () => {
    ctx = await createTestContext('password', { services: ['redis'] });
  });
  afterAll(() => ctx.dispose());

  it('refuses the attempt over the per-account limit with a Retry-After, and a success clears it', async () => {
    const limiter = createLoginLimiter(ctx.redis, (kind, id) => ctx.keys.key('attempts', kind, id), { perAccount: 3, perClient: 100, windowSec: 60 });
    for (let i = 0; i < 3; i++) await limiter.attempt('ada@example.com', '10.0.0.1');
    const err = await limiter.attempt('ADA@example.com', '10.0.0.2').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooManyLoginAttemptsError);
    expect((err as TooManyLoginAttemptsError).retryAfterSeconds).toBeGreaterThan(0);
    expect((err as TooManyLoginAttemptsError).retryAfterSeconds).toBeLessThanOrEqual(60);
    await limiter.succeeded('ada@example.com');
    await limiter.attempt('ada@example.com', '10.0.0.1');
  });

  it('limits one client across accounts, and every counter expires with its window', async () => {
    const limiter = createLoginLimiter(ctx.redis, (kind, id) => ctx.keys.key('attempts2', kind, id), { perAccount: 100, perClient: 5, windowSec: 30 });
    await Promise.all(Array.from({ length: 5 }, (_, i) => limiter.attempt(`user${i}`, '10.0.0.9')));
    await expect(limiter.attempt('someone-else', '10.0.0.9')).rejects.toBeInstanceOf(TooManyLoginAttemptsError);
    await limiter.attempt('someone-else', '10.0.0.10');
    const keys = await ctx.redis.keys(`${ctx.keys.key('attempts2')}:*`);
    expect(keys.length).toBe(8); // 6 accounts + 2 clients, account names hashed
    for (const k of keys) {
      expect(k).not.toContain('someone');
      const ttl = await ctx.redis.ttl(k);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30);
    }
  });
});
