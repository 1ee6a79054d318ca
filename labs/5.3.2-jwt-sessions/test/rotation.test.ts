import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { sessionKeys } from '../src/store';
import { expect401, expectStatus, manualClock, startApp, type Client } from './helpers';

let ctx: LabContext;
let api: Client;
const clock = manualClock();
beforeAll(async () => {
  ctx = await createTestContext('5.3.2');
  api = await startApp(ctx, { now: clock.now, session: { idleTtlMs: 60_000, absoluteTtlMs: 600_000 } });
});
afterAll(async () => {
  await api.close();
  await ctx.dispose();
});

describe('exercise 2: refresh rotation and reuse detection', () => {
  it('a refresh issues a new pair for the same session and slides its expiry', async () => {
    const { tokens } = await api.signup();
    clock.advance(30_000);
    const next = await api.post('/auth/refresh', { refreshToken: tokens.refreshToken });
    expectStatus(next, 200);
    expect(next.body.sessionId).toBe(tokens.sessionId);
    expect(next.body.refreshToken).not.toBe(tokens.refreshToken);
    expect(next.body.accessToken).not.toBe(tokens.accessToken);
    const me = await api.get('/me', next.body.accessToken);
    expectStatus(me, 200);
    const pttl = await ctx.redis.pttl(sessionKeys(ctx.keys).session(me.body.userId, tokens.sessionId));
    expect(pttl).toBeGreaterThan(55_000);
    // Chains: the new refresh token works once too.
    expectStatus(await api.post('/auth/refresh', { refreshToken: next.body.refreshToken }), 200);
  });

  it('reusing an old refresh token revokes the whole session family', async () => {
    const { tokens: first } = await api.signup();
    const second = (await api.post('/auth/refresh', { refreshToken: first.refreshToken })).body;
    expect(second.refreshToken, JSON.stringify(second)).toBeTruthy();
    // An attacker (or a buggy client) replays the first refresh token.
    expect401(await api.post('/auth/refresh', { refreshToken: first.refreshToken }), 'refresh_reused');
    // Everything of that session is now dead, including the legitimate newest tokens.
    expect401(await api.post('/auth/refresh', { refreshToken: second.refreshToken }), 'session_revoked');
    expect401(await api.get('/me', second.accessToken), 'session_revoked');
    expect401(await api.get('/me', first.accessToken), 'session_revoked');
    const stats = await api.get('/sessions/stats');
    expect(stats.body.reuseDetected).toBeGreaterThanOrEqual(1);
  });

  it('reuse in one session leaves the user’s other sessions alone', async () => {
    const { email, password, tokens: a } = await api.signup();
    const b = await api.login(email, password);
    await api.post('/auth/refresh', { refreshToken: a.refreshToken });
    expect401(await api.post('/auth/refresh', { refreshToken: a.refreshToken }), 'refresh_reused');
    expectStatus(await api.get('/me', b.accessToken), 200);
    expectStatus(await api.post('/auth/refresh', { refreshToken: b.refreshToken }), 200);
  });

  it('no refresh past the absolute maximum', async () => {
    const { tokens } = await api.signup();
    clock.advance(599_000);
    // Keep it alive by use, so only the absolute limit can end it.
    const kept = await api.post('/auth/refresh', { refreshToken: tokens.refreshToken });
    expectStatus(kept, 200);
    clock.advance(2_000);
    // The refresh token's own exp is the session's absolute expiry: jose refuses it first.
    expect401(await api.post('/auth/refresh', { refreshToken: kept.body.refreshToken }), 'token_expired');
  });
});
