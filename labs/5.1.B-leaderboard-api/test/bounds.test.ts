// What a client can make grow on one instance: open event streams are capped (503 + Retry-After past it).
// And an admin JWT must carry exp: a well-signed token without it is refused.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { listen, type Listening } from '../../../shared/http';
import { createLeaderboardApp } from '../src/app';
import { AUTH } from './helpers';

let ctx: LabContext;
let lb: Awaited<ReturnType<typeof createLeaderboardApp>>;
let http: Listening;
beforeAll(async () => {
  ctx = await createTestContext('5.1.B');
  lb = await createLeaderboardApp({ redis: ctx.redis, subscriber: ctx.newRedis(), pg: ctx.pg, keys: ctx.keys, auth: AUTH, maxStreams: 2, log: ctx.log });
  http = await listen(lb.app);
});
afterAll(async () => {
  await lb?.close();
  await http?.close();
  await ctx?.dispose();
});

// The event stream and the reset name the current period (exercise 1): graded with it.
describe('exercise 1: period names', () => {
  describe('bounds', () => {
    it('refuses an event stream past maxStreams with 503 + Retry-After, and accepts one again after a stream ends', async () => {
      const open = [new AbortController(), new AbortController()];
      for (const c of open) {
        const res = await fetch(`${http.url}/games/b/boards/daily/events`, { signal: c.signal });
        expect(res.status).toBe(200);
      }
      const refused = await fetch(`${http.url}/games/b/boards/daily/events`);
      expect({ status: refused.status, retryAfter: refused.headers.get('retry-after') }).toEqual({ status: 503, retryAfter: '5' });
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('too_many_streams');
      open[0]!.abort();
      await expect
        .poll(async () => {
          const c = new AbortController();
          const res = await fetch(`${http.url}/games/b/boards/daily/events`, { signal: c.signal });
          c.abort();
          return res.status;
        })
        .toBe(200);
      open[1]!.abort();
    });
  });

  describe('admin tokens', () => {
    it('refuses a well-signed admin JWT without exp (401), accepts one with exp', async () => {
      const key = new TextEncoder().encode(AUTH.jwtSecret);
      const noExp = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('root').setIssuedAt().sign(key);
      const reset = (token: string) => fetch(`${http.url}/games/b/boards/daily/reset`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect((await reset(noExp)).status).toBe(401);
      const withExp = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('root').setIssuedAt().setExpirationTime('5m').sign(key);
      expect((await reset(withExp)).status).toBe(200);
    });
  });
});
