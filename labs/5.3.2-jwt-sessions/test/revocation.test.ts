import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { sessionKeys } from '../src/store';
import { expect401, expectStatus, startApp, type Client } from './helpers';

let ctx: LabContext;
let api: Client;
beforeAll(async () => {
  ctx = await createTestContext('5.3.2');
  api = await startApp(ctx);
});
afterAll(async () => {
  await api.close();
  await ctx.dispose();
});

describe('exercise 3: revocation', () => {
  it('one token: that access token is refused, the session lives on', async () => {
    const { tokens } = await api.signup();
    const me = await api.get('/me', tokens.accessToken);
    expectStatus(await api.post('/auth/revoke-token', undefined, tokens.accessToken), 204);
    expect401(await api.get('/me', tokens.accessToken), 'token_revoked');
    // The denylist entry lives only as long as the token could have.
    const jti = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1], 'base64url').toString()).jti;
    const ttl = await ctx.redis.pttl(sessionKeys(ctx.keys).revokedJti(me.body.userId, jti));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300_000);
    const next = await api.post('/auth/refresh', { refreshToken: tokens.refreshToken });
    expectStatus(next, 200);
    expectStatus(await api.get('/me', next.body.accessToken), 200);
  });

  it('one session: logout ends its access and refresh tokens, not the user’s other sessions', async () => {
    const { email, password, tokens: a } = await api.signup();
    const b = await api.login(email, password);
    expectStatus(await api.post('/auth/logout', undefined, a.accessToken), 204);
    expect401(await api.get('/me', a.accessToken), 'session_revoked');
    expect401(await api.post('/auth/refresh', { refreshToken: a.refreshToken }), 'session_revoked');
    expectStatus(await api.get('/me', b.accessToken), 200);
    const list = await api.get('/sessions', b.accessToken);
    expect(list.body.sessions.map((s: { sid: string }) => s.sid)).toEqual([b.sessionId]);
  });

  it('all sessions of a user: logout-all', async () => {
    const { email, password, tokens: a } = await api.signup();
    const b = await api.login(email, password);
    const c = await api.login(email, password);
    const other = await api.signup();
    const res = await api.post('/auth/logout-all', undefined, b.accessToken);
    expectStatus(res, 200);
    expect(res.body).toEqual({ revoked: 3 });
    for (const t of [a, b, c]) expect401(await api.get('/me', t.accessToken), 'session_revoked');
    expectStatus(await api.get('/me', other.tokens.accessToken), 200);
    // Logging in again afterwards works.
    expectStatus(await api.get('/me', (await api.login(email, password)).accessToken), 200);
  });

  it('two app instances: a revocation on one is honoured by the other at its next request', async () => {
    const other = await startApp(ctx, { redis: ctx.newRedis() });
    try {
      const { tokens } = await api.signup();
      expectStatus(await other.get('/me', tokens.accessToken), 200);
      expectStatus(await api.post('/auth/logout', undefined, tokens.accessToken), 204);
      expect401(await other.get('/me', tokens.accessToken), 'session_revoked');
      const t2 = (await api.signup()).tokens;
      expectStatus(await other.post('/auth/revoke-token', undefined, t2.accessToken), 204);
      expect401(await api.get('/me', t2.accessToken), 'token_revoked');
    } finally {
      await other.close();
    }
  });

  it('monitoring: /sessions/stats counts logins, refreshes, revocations and active sessions', async () => {
    const own = await startApp(ctx, { keys: ctx.keys.forLab('stats') });
    try {
      const { email, password, tokens: a } = await own.signup();
      const b = await own.login(email, password);
      expectStatus(await own.post('/auth/refresh', { refreshToken: b.refreshToken }), 200);
      expectStatus(await own.post('/auth/revoke-token', undefined, b.accessToken), 204);
      expectStatus(await own.post('/auth/logout', undefined, a.accessToken), 204);
      const stats = await own.get('/sessions/stats');
      expectStatus(stats, 200);
      expect(stats.body).toEqual({
        active: 1,
        logins: 2,
        refreshes: 1,
        revocations: 1,
        tokenRevocations: 1,
        expirations: 0,
        reuseDetected: 0,
        cleanup: 'off',
      });
    } finally {
      await own.close();
    }
  });
});
