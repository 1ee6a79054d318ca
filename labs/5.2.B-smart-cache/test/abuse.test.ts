// The service as an attacker would try it: variants that should not exist, growth that should be
// bounded, private data that should not be served to anyone or cached shared.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { waitFor } from '../../../harness/ports';
import { listen, type Listening } from '../../../shared/http';
import { issueToken } from '../src/http/auth';
import { cacheRedisOptions } from '../src/redis-client';
import { createService, type Service } from '../src/service/app';
import { seed } from '../src/service/db';
import { makeCache, scanAll, uniqueKey } from './helpers';

let ctx: LabContext;
let svc: Service;
let server: Listening;
const secret = new TextEncoder().encode('a-test-secret-that-is-32-bytes-long!!');
const auth = { apiKeys: { 'admin-key': 'admin' }, jwtSecret: secret };

beforeAll(async () => {
  ctx = await createTestContext('5.2.B');
  await seed(ctx.pg, { products: 40, users: 5 });
  svc = await createService({ pg: ctx.pg, redis: ctx.newRedis(cacheRedisOptions({ commandTimeoutMs: 2000 })), subscriber: ctx.newRedis(), keyBase: ctx.keys.key('abuse'), auth, warmCount: 0 });
  server = await listen(svc.app);
});
afterAll(async () => {
  await server?.close();
  await svc?.close();
  await ctx.dispose();
});

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(server.url + path, { headers });
  const text = await res.text();
  return { status: res.status, xcache: res.headers.get('x-cache'), cacheControl: res.headers.get('cache-control'), text, json: JSON.parse(text) };
};
const httpKeys = () => scanAll(ctx.redis, svc.cache.keys.match('http'));
/**
 * How many pages Redis holds once the writes have landed: a MISS is answered first and stored after,
 * and on a cluster a tagged store takes three round trips, so a count taken at once can miss the last one.
 */
const settledHttpKeys = (min: number) =>
  waitFor(
    async () => {
      const a = (await httpKeys()).length;
      await new Promise((r) => setTimeout(r, 300));
      const b = (await httpKeys()).length;
      return a === b && b >= min ? b : undefined;
    },
    { what: `at least ${min} cached pages, and no more arriving` },
  );

describe('cache variants come from an allow-list (issue 12)', () => {
  it('unused query parameters and headers make no new entries', async () => {
    const first = await get('/products?limit=3&category=tools');
    expect(first.status).toBe(200);
    const before = await settledHttpKeys(1);
    const answers = [];
    for (let i = 0; i < 200; i += 20) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, j) => get(`/products?limit=3&category=tools&junk${i + j}=${i + j}&utm=${i + j}`, { 'x-junk': String(i + j), 'user-agent': `bot-${i + j}` })),
        )),
      );
    }
    expect(answers.every((a) => a.status === 200 && a.text === first.text)).toBe(true);
    expect(answers.every((a) => a.xcache === 'HIT')).toBe(true);
    expect(await settledHttpKeys(0)).toBe(before);
    expect(await ctx.redis.zcard(svc.cache.keys.tag('products'))).toBe(before);
  });

  it('spellings of one value are one variant (the validated query makes the key)', async () => {
    const a = await get('/products?limit=4&offset=2');
    const spellings = ['/products?offset=2&limit=4', '/products?limit=04&offset=2', '/products?limit=4.0&offset=02', '/PRODUCTS?limit=4&offset=2', '/products/?limit=4&offset=2'];
    for (const s of spellings) {
      const r = await get(s);
      expect([s, r.status, r.xcache, r.text]).toEqual([s, 200, 'HIT', a.text]);
    }
    // The default values and no value are the same page too.
    const d = await get('/products?limit=5');
    expect((await get('/products?limit=5&offset=0')).xcache).toBe('HIT');
    expect(d.status).toBe(200);
  });

  it('a varying header counts only in its allowed values: any other accept-language is the default variant', async () => {
    await get('/products?limit=6', { 'accept-language': 'en' });
    const before = await settledHttpKeys(1);
    for (let i = 0; i < 50; i++) expect((await get('/products?limit=6', { 'accept-language': `x-${i}` })).xcache).toBe(i === 0 ? 'MISS' : 'HIT');
    expect((await get('/products?limit=6', { 'accept-language': 'fr-CH, fr;q=0.9' })).xcache).toBe('MISS');
    expect((await get('/products?limit=6', { 'accept-language': 'fr' })).xcache).toBe('HIT');
    expect(await settledHttpKeys(before + 2)).toBe(before + 2);
  });
});

describe('tag sets are bounded (issue 12)', () => {
  it('a tag set never holds more than maxTagMembers; a value that cannot be tagged is not stored in Redis either', async () => {
    const cache = await makeCache(ctx, { maxTagMembers: 30, l1: false });
    for (let i = 0; i < 100; i++) expect(await cache.getOrSet(`k${i}`, () => i, { tags: ['popular'] })).toBe(i);
    expect(await ctx.redis.zcard(cache.keys.tag('popular'))).toBe(30);
    // Every value in Redis is in its tag set (an invalidation finds them all); the rest were not stored.
    const stored = await scanAll(ctx.redis, cache.keys.match('default'));
    expect(stored).toHaveLength(30);
    for (const k of stored) expect(await ctx.redis.zscore(cache.keys.tag('popular'), k)).not.toBeNull();
    // An entry already in the set may be rewritten.
    await cache.set(stored[0]!.slice(cache.keys.data('default', '').length), 'rewritten', { tags: ['popular'] });
    expect(await ctx.redis.get(stored[0]!)).toContain('rewritten');
  });

  it('members whose entries have expired are pruned, so a full set takes new entries again', async () => {
    const cache = await makeCache(ctx, { maxTagMembers: 5, l1: false });
    // Short enough to wait for, long enough to still be there when the next write is refused.
    for (let i = 0; i < 5; i++) await cache.set(`short${i}`, i, { tags: ['brief'], ttl: 1500 });
    await cache.set('refused', 'x', { tags: ['brief'], ttl: 60_000 });
    expect(await ctx.redis.exists(cache.keys.data('default', 'refused'))).toBe(0);
    // Wait for Redis to expire the short entries (a real expiry: Redis's clock cannot be injected).
    await waitFor(async () => (await scanAll(ctx.redis, cache.keys.match('default', 'short*'))).length === 0, { what: 'the short entries to expire' });
    await cache.set('taken', 'y', { tags: ['brief'], ttl: 60_000 });
    expect(await ctx.redis.exists(cache.keys.data('default', 'taken'))).toBe(1);
    expect(await ctx.redis.zcard(cache.keys.tag('brief'))).toBe(1);
  });

  it('an entry takes at most 16 tags (more is a caller bug, refused)', async () => {
    const cache = await makeCache(ctx);
    await expect(cache.set(uniqueKey(), 1, { tags: Array.from({ length: 17 }, (_, i) => `t${i}`) })).rejects.toThrow(/at most 16 tags/);
  });
});

describe('private data (issue 12)', () => {
  it('anyone gets a user’s public profile; email and role only the user themself or an admin, never cached shared', async () => {
    const anon = await get('/users/1');
    expect(anon.status).toBe(200);
    expect(anon.json).toEqual({ id: 1, name: 'User 1', createdAt: expect.any(String) });
    const raw = await ctx.redis.get(svc.cache.keys.data('user', '1'));
    expect(raw).not.toContain('@example.com');
    expect(raw).not.toContain('admin');

    const admin = await get('/users/1', { 'x-api-key': 'admin-key' });
    expect(admin.json).toMatchObject({ id: 1, email: 'user1@example.com', role: 'admin' });
    expect(admin.cacheControl).toMatch(/private/);
    const self = await get('/users/2', { authorization: `Bearer ${await issueToken('user', secret, '5m', '2')}` });
    expect(self.json).toMatchObject({ id: 2, email: 'user2@example.com', role: 'user' });
    const other = await get('/users/1', { authorization: `Bearer ${await issueToken('user', secret, '5m', '2')}` });
    expect([other.status, other.json.email]).toEqual([403, undefined]);
    expect((await get('/users/1', { authorization: 'Bearer forged' })).status).toBe(401);
    expect((await scanAll(ctx.redis, `${svc.cache.keys.base}*`)).length).toBeGreaterThan(0);
    for (const k of await scanAll(ctx.redis, `${svc.cache.keys.base}*`)) {
      const type = await ctx.redis.type(k);
      if (type === 'string') expect(await ctx.redis.get(k)).not.toContain('@example.com');
    }
  });

  it('a JWT without exp is refused', async () => {
    const forever = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('1').sign(secret);
    expect((await get('/users/1', { authorization: `Bearer ${forever}` })).status).toBe(401);
  });

  it('a price change needs an admin', async () => {
    const put = (headers: Record<string, string>) => fetch(`${server.url}/products/5`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ priceCents: 1 }) });
    expect((await put({})).status).toBe(401);
    expect((await put({ authorization: `Bearer ${await issueToken('user', secret)}` })).status).toBe(403);
    // An admin gets through (what the update then does is exercise 3's price-update test).
    expect([401, 403]).not.toContain((await put({ 'x-api-key': 'admin-key' })).status);
  });
});
