import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { rateLimitHeaders } from '../src/headers';
import type { Decision } from '../src/limiter';
import { parsePolicies } from '../src/policy';
import { expectStatus, manualClock, serve } from './helpers';

let ctx: LabContext;
beforeAll(async () => {
  ctx = await createTestContext('5.3.1', { services: ['redis'] });
});
afterAll(() => ctx.dispose());

const [perUser, search] = parsePolicies([
  { name: 'per-user', by: ['user'], capacity: 100, refillPerSec: 100 / 60 },
  { name: 'search', by: ['user', 'endpoint'], capacity: 10, refillPerSec: 0.5 },
]);

const decision = (over: Partial<Decision> = {}): Decision => ({
  allowed: true,
  now: 1_700_000_000_000,
  retryAfterSec: 0,
  results: [{ policy: perUser!, subject: 'user=ada', remaining: 42, nextUnitSec: 1, resetSec: 35, limiting: false }],
  ...over,
});

describe('exercise 2: RateLimit header fields', () => {
  it('formats one policy as the draft structured fields', () => {
    expect(rateLimitHeaders(decision())).toEqual({
      'RateLimit-Policy': '"per-user";q=100;w=60',
      RateLimit: '"per-user";r=42;t=1',
    });
  });

  it('lists every policy that applied, and adds Retry-After on a denial', () => {
    const h = rateLimitHeaders(
      decision({
        allowed: false,
        retryAfterSec: 2,
        results: [
          { policy: perUser!, subject: 'user=ada', remaining: 41, nextUnitSec: 1, resetSec: 36, limiting: false },
          { policy: search!, subject: 'user=ada,endpoint=GET /s', remaining: 0, nextUnitSec: 2, resetSec: 20, limiting: true },
        ],
      }),
    );
    expect(h['RateLimit-Policy']).toBe('"per-user";q=100;w=60, "search";q=10;w=20');
    // t is when more quota comes (the next token), not when the bucket is full again.
    expect(h.RateLimit).toBe('"per-user";r=41;t=1, "search";r=0;t=2');
    expect(h['Retry-After']).toBe('2');
  });

  it('adds the legacy X-RateLimit-* trio for the tightest policy when asked', () => {
    const h = rateLimitHeaders(
      decision({
        results: [
          { policy: perUser!, subject: 'user=ada', remaining: 41, nextUnitSec: 1, resetSec: 36, limiting: false },
          { policy: search!, subject: 's', remaining: 3, nextUnitSec: 2, resetSec: 14, limiting: false },
        ],
      }),
      { legacy: true },
    );
    expect(h['X-RateLimit-Limit']).toBe('10');
    expect(h['X-RateLimit-Remaining']).toBe('3');
    expect(h['X-RateLimit-Reset']).toBe(String(1_700_000_000 + 14));
    expect(rateLimitHeaders(decision())['X-RateLimit-Limit']).toBeUndefined();
  });

  it('leaves out w and t for a bucket that never refills, and sends nothing when no policy applied', () => {
    const [fixed] = parsePolicies([{ name: 'once', by: ['ip'], capacity: 5, refillPerSec: 0 }]);
    const h = rateLimitHeaders(decision({ results: [{ policy: fixed!, subject: 'ip=1', remaining: 4, limiting: false }] }));
    expect(h).toEqual({ 'RateLimit-Policy': '"once";q=5', RateLimit: '"once";r=4' });
    expect(rateLimitHeaders(decision({ results: [] }))).toEqual({});
  });

  it('sends the headers on real responses, and a 429 JSON error with Retry-After when spent', async () => {
    const clock = manualClock();
    const app = await serve(ctx.redis, ctx.keys.forLab('hdr'), {
      now: clock.now,
      legacyHeaders: true,
      policies: [{ name: 'per-user', by: ['user'], capacity: 3, refillPerSec: 0.5 }],
    });
    try {
      const who = { 'x-user-id': 'ada' };
      const first = await app.get('/api/hello', who);
      expectStatus(first, 200);
      expect(first.headers.get('ratelimit-policy')).toBe('"per-user";q=3;w=6');
      expect(first.headers.get('ratelimit')).toBe('"per-user";r=2;t=2');
      expect(first.headers.get('x-ratelimit-reset')).toBe(String(Math.ceil(clock.now() / 1000) + 2));
      expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
      await app.get('/api/hello', who);
      await app.get('/api/hello', who);
      const denied = await app.get('/api/hello', who);
      expect(denied.status).toBe(429);
      expect(denied.body.error.code).toBe('too_many_requests');
      expect(denied.body.error.details.policies).toEqual(['per-user']);
      expect(denied.headers.get('retry-after')).toBe('2');
      // The draft: Retry-After never points earlier than t. Here both are the next token, 2 s away.
      expect(denied.headers.get('ratelimit')).toBe('"per-user";r=0;t=2');
      expect(denied.headers.get('x-ratelimit-reset')).toBe(String(Math.ceil(clock.now() / 1000) + 6));
      clock.advance(2000);
      expect((await app.get('/api/hello', who)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
