// Rate limits per user and per route (writes stricter) with RateLimit headers, from 5.3.1; the
// metadata breaker from 5.3.3: when it opens, book pages answer with the last cached metadata and
// degraded: true, without calling the failing service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/ports';
import { CACHE_POLICIES } from '../src/cache-policy';
import { startCapstone, type Capstone } from './fixtures';

let c: Capstone;
beforeAll(async () => {
  c = await startCapstone({
    app: {
      limits: [
        { name: 'per-user', by: ['user'], capacity: 1000, refillPerSec: 0 },
        { name: 'writes', by: ['user', 'endpoint'], endpoints: ['POST /books/:id/reviews'], capacity: 2, refillPerSec: 0 },
      ],
    },
    service: { breaker: { minVolume: 4, coolDownMs: 60_000 } },
  });
});
afterAll(async () => c?.close());

describe('rate limits', () => {
  it('writes get a small per-route budget with RateLimit headers; reads by the same user are not charged to it', async () => {
    const token = await c.login(31);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await c.call('POST', `/books/${c.seed.popular[40 + i]}/reviews`, { token, body: { rating: 4, body: 'ok' } });
      statuses.push(r.status);
      expect(r.headers.get('ratelimit-policy')).toContain('"writes"');
      if (r.status === 429) {
        expect(r.body.error.code).toBe('too_many_requests');
        expect(r.body.error.details.policies).toEqual(['writes']);
      }
    }
    expect(statuses).toEqual([201, 201, 429]);
    const read = await c.call('GET', `/books/${c.seed.popular[40]}`, { token });
    expect(read.status).toBe(200);
    expect(read.headers.get('ratelimit')).toContain('"per-user"');
    expect(read.headers.get('ratelimit-policy')).not.toContain('"writes"');
  });
});

describe('metadata circuit breaker', () => {
  it('when the metadata service fails, the breaker opens and pages answer with the last cached metadata and degraded: true', async () => {
    const known = c.seed.popular[50]!;
    const first = await c.call('GET', `/books/${known}`);
    expect(first.body.degraded).toBe(false);
    const good = first.body.metadata;
    await waitFor(async () => (await c.service.cache.peek(c.service.keys.metadata(known))) !== undefined, { what: 'metadata cached' });

    c.metadata.behaviour.failureRate = 1;
    // Past the metadata ttl, so every page needs a fresh call; the failures open the breaker.
    c.clock.now += CACHE_POLICIES.metadata.ttlSec * 1000 + 1;
    for (const id of c.seed.popular.slice(60, 66)) {
      const r = await c.call('GET', `/books/${id}`);
      expect(r.status).toBe(200);
      expect(r.body.degraded).toBe(true);
    }
    expect(c.service.breaker.current.state).toBe('open');

    const callsBefore = c.metadata.stats.requests;
    const page = await c.call('GET', `/books/${known}`);
    expect(page.status).toBe(200);
    expect(page.body.degraded).toBe(true);
    expect(page.body.metadata).toEqual(good);
    expect(c.metadata.stats.requests).toBe(callsBefore);
    const health = await c.call('GET', '/health');
    expect(health.body.breaker).toBe('open');
  });

  it('admin routes need the admin key', async () => {
    expect((await c.call('POST', '/admin/rebuild-leaderboards')).status).toBe(403);
    const r = await fetch(`${c.http.url}/admin/rebuild-leaderboards`, { method: 'POST', headers: { 'x-admin-key': 'test-admin-key' } });
    expect(r.status).toBe(200);
  });
});
