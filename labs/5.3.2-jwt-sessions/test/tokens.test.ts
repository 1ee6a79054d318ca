import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { createTokenService } from '../src/tokens';
import { expect401, expectStatus, manualClock, SECRET, startApp, type Client } from './helpers';

let ctx: LabContext;
let api: Client;
const clock = manualClock();
beforeAll(async () => {
  ctx = await createTestContext('5.3.2');
  api = await startApp(ctx, { now: clock.now });
});
afterAll(async () => {
  await api.close();
  await ctx.dispose();
});

describe('bad tokens are 401s with a clear code, never 500s', () => {
  const tokens = () => createTokenService({ secret: SECRET, now: clock.now });

  it('no token, or not a bearer token', async () => {
    expect401(await api.get('/me'), 'token_missing');
    const res = await fetch(`${api.url}/me`, { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(res.status).toBe(401);
  });

  it('malformed: garbage, a truncated token, alg "none"', async () => {
    expect401(await api.get('/me', 'not.a.jwt'), 'token_malformed');
    const { token } = await tokens().sign('access', '1', 's1');
    expect401(await api.get('/me', token.slice(0, token.lastIndexOf('.'))), 'token_malformed');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: '1', sid: 's', jti: 'j', typ: 'access', exp: 9e9 })).toString('base64url');
    expect401(await api.get('/me', `${header}.${payload}.`), 'token_malformed');
  });

  it('wrongly signed: another secret', async () => {
    const forged = createTokenService({ secret: 'another-secret-another-secret-another!!', now: clock.now });
    expect401(await api.get('/me', (await forged.sign('access', '1', 's1')).token), 'token_invalid_signature');
  });

  it('expired, judged by the injected clock', async () => {
    const { token } = await tokens().sign('access', '1', 's1');
    clock.advance(301_000); // the default access lifetime is 300 s
    expect401(await api.get('/me', token), 'token_expired');
  });

  it('the wrong kind: a refresh token on a protected route, an access token on /auth/refresh', async () => {
    const t = tokens();
    expect401(await api.get('/me', (await t.sign('refresh', '1', 's1', Math.floor(clock.now() / 1000) + 60)).token), 'token_wrong_type');
    expect401(await api.post('/auth/refresh', { refreshToken: (await t.sign('access', '1', 's1')).token }), 'token_wrong_type');
  });

  it('a validly signed token missing our claims is malformed', async () => {
    const key = new TextEncoder().encode(SECRET);
    const token = await new SignJWT({ typ: 'access' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('redis-labs-5.3.2').setExpirationTime(Math.floor(clock.now() / 1000) + 300).sign(key);
    expect401(await api.get('/me', token), 'token_malformed');
  });

  it('bad input on the auth routes is a 400', async () => {
    expectStatus(await api.post('/auth/refresh', {}), 400);
    expectStatus(await api.post('/auth/login', { email: 'not-an-email', password: 'x' }), 400);
  });
});
