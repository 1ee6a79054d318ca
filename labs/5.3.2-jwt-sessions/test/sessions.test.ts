import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { startRedisServer } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { Redis } from 'ioredis';
import { keyBuilder } from '../../../shared/keys';
import { sessionKeys } from '../src/store';
import { expect401, expectStatus, manualClock, startApp } from './helpers';

let ctx: LabContext;
beforeAll(async () => {
  ctx = await createTestContext('5.3.2');
});
afterAll(() => ctx.dispose());

const SECOND = 1000;

describe('exercise 1: sessions are created and validated', () => {
  it('login creates a session with a TTL equal to its lifetime, indexed under the user', async () => {
    const api = await startApp(ctx, { session: { idleTtlMs: 60 * SECOND, absoluteTtlMs: 3600 * SECOND } });
    try {
      const { tokens } = await api.signup();
      expect(tokens).toMatchObject({ sessionId: expect.any(String), expiresIn: 300 });
      const me = await api.get('/me', tokens.accessToken);
      expectStatus(me, 200);
      const k = sessionKeys(ctx.keys);
      const pttl = await ctx.redis.pttl(k.session(me.body.userId, tokens.sessionId));
      expect(pttl).toBeGreaterThan(55 * SECOND);
      expect(pttl).toBeLessThanOrEqual(60 * SECOND);
      expect(await ctx.redis.zrange(k.index(me.body.userId), 0, -1)).toEqual([tokens.sessionId]);
      // Each token has its own jti.
      const claims = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString());
      expect(claims(tokens.accessToken).jti).not.toBe(claims(tokens.refreshToken).jti);
    } finally {
      await api.close();
    }
  });

  it('slides the expiry on each use, up to the absolute maximum', async () => {
    const clock = manualClock();
    const api = await startApp(ctx, { now: clock.now, accessTtlSec: 3600, session: { idleTtlMs: 60 * SECOND, absoluteTtlMs: 150 * SECOND } });
    try {
      const { tokens } = await api.signup();
      const k = sessionKeys(ctx.keys);
      clock.advance(50 * SECOND);
      const me = await api.get('/me', tokens.accessToken);
      expectStatus(me, 200);
      const key = k.session(me.body.userId, tokens.sessionId);
      expect(await ctx.redis.pttl(key)).toBeGreaterThan(55 * SECOND); // slid: 60 s from "now" again
      clock.advance(50 * SECOND); // t = 100 s: 50 s of absolute lifetime left, less than the idle 60 s
      expectStatus(await api.get('/me', tokens.accessToken), 200);
      const capped = await ctx.redis.pttl(key);
      expect(capped).toBeGreaterThan(45 * SECOND);
      expect(capped).toBeLessThanOrEqual(50 * SECOND);
      clock.advance(51 * SECOND); // t = 151 s: past the absolute maximum
      expect401(await api.get('/me', tokens.accessToken), 'session_expired');
      expect(await ctx.redis.exists(key)).toBe(0);
      expect(await ctx.redis.zcard(k.index(me.body.userId))).toBe(0);
    } finally {
      await api.close();
    }
  });

  it('refuses wrong passwords and unknown users alike, and duplicate registrations', async () => {
    const api = await startApp(ctx);
    try {
      const { email } = await api.signup('right password 1');
      expect401(await api.post('/auth/login', { email, password: 'wrong password 1' }), 'invalid_credentials');
      expect401(await api.post('/auth/login', { email: `nobody-${email}`, password: 'wrong password 1' }), 'invalid_credentials');
      expectStatus(await api.post('/auth/register', { email, password: 'another password' }), 409);
      // Each successful login is its own session.
      const a = await api.login(email, 'right password 1');
      const b = await api.login(email, 'right password 1');
      expect(a.sessionId).not.toBe(b.sessionId);
      const list = await api.get('/sessions', b.accessToken);
      expectStatus(list, 200);
      expect(list.body.sessions).toHaveLength(3);
    } finally {
      await api.close();
    }
  });

  it('answers 503 (never 500, never a pass) while Redis is down', async () => {
    const redis = await startRedisServer();
    const client = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    await waitFor(() => client.status === 'ready', { what: 'private Redis' });
    const api = await startApp(ctx, { redis: client, keys: keyBuilder({ lab: 'down' }) });
    try {
      const { tokens, email, password } = await api.signup();
      expectStatus(await api.get('/me', tokens.accessToken), 200);
      await redis.stop();
      const me = await api.get('/me', tokens.accessToken);
      expect({ status: me.status, code: me.body.error.code }).toEqual({ status: 503, code: 'session_store_unavailable' });
      expectStatus(await api.post('/auth/login', { email, password }), 503);
      expectStatus(await api.post('/auth/refresh', { refreshToken: tokens.refreshToken }), 503);
    } finally {
      await api.close();
      client.disconnect();
      await redis.dispose();
    }
  });
});
