import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { keyBuilder } from '../../../shared/keys';
import { detectCleanupMode, readStats, startCleanup, sweep } from '../src/cleanup';
import { storeDeps, type StoreDeps } from '../src/store';

let ctx: LabContext;
let withEvents: ManagedRedis;
let plain: ManagedRedis;
const clients: Redis[] = [];
const connect = (r: ManagedRedis) => {
  const c = new Redis(r.url);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  ctx = await createTestContext('5.3.2', { services: ['redis'] });
  // A private server with expired-key events on: never CONFIG SET the shared one.
  [withEvents, plain] = await Promise.all([startRedisServer({ args: ['--notify-keyspace-events', 'Ex'] }), startRedisServer()]);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([withEvents.dispose(), plain.dispose()]);
  await ctx.dispose();
});

/** Writes a session the way createSession lays it out (hash + TTL + index + active count). */
async function seedSession(d: StoreDeps, userId: string, ttlMs: number): Promise<string> {
  const sid = randomUUID();
  const now = d.config.now();
  const key = d.k.session(userId, sid);
  // The user's keys in one MULTI (one {user} slot), the global stats apart, as the store does.
  await d.redis
    .multi()
    .hset(key, { userId, createdAt: now, lastSeenAt: now, expiresAt: now + 3_600_000, refreshJti: 'r' })
    .pexpire(key, ttlMs)
    .zadd(d.k.index(userId), now + ttlMs, sid)
    .exec();
  await d.redis.hincrby(d.k.stats, 'active', 1);
  return sid;
}

describe('index cleanup after expiry', () => {
  it('detects whether expired-key notifications are on', async () => {
    expect(await detectCleanupMode(connect(withEvents))).toBe('notifications');
    expect(await detectCleanupMode(connect(plain))).toBe('sweep');
  });

  it('notifications: the index entry goes when Redis expires the session, counted once by two instances', async () => {
    const redis = connect(withEvents);
    const d = storeDeps(redis, keyBuilder({ lab: 'notify' }));
    // Two app instances listening; the sweep is pushed far away so only the events can prune.
    const a = await startCleanup(d, { sweepEveryMs: 3_600_000 });
    const b = await startCleanup(storeDeps(connect(withEvents), keyBuilder({ lab: 'notify' })), { sweepEveryMs: 3_600_000 });
    try {
      expect(a.mode).toBe('notifications');
      const keep = await seedSession(d, '42', 3_600_000);
      await seedSession(d, '42', 50);
      await waitFor(async () => (await redis.zcard(d.k.index('42'))) === 1, { what: 'the expired session to leave the index' });
      expect(await redis.zrange(d.k.index('42'), 0, -1)).toEqual([keep]);
      await waitFor(async () => (await readStats(d)).expirations === 1, { what: 'the expiration to be counted' });
      expect(await readStats(d)).toMatchObject({ expirations: 1, active: 1 });
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('sweep: without notifications, the periodic sweep prunes expired entries', async () => {
    const d = storeDeps(ctx.redis, ctx.keys.forLab('sweep'));
    const cleanup = await startCleanup(d, { mode: 'sweep', sweepEveryMs: 3_600_000 });
    try {
      expect(cleanup.mode).toBe('sweep');
      const keep = await seedSession(d, '7', 3_600_000);
      await seedSession(d, '7', 50);
      await seedSession(d, '8', 50);
      // Nothing happens by itself: the sweep (called here instead of waiting for its timer) does it.
      let pruned = 0;
      await waitFor(async () => (pruned += await sweep(d)) === 2, { what: 'the sweep to prune both expired sessions' });
      expect(await ctx.redis.zrange(d.k.index('7'), 0, -1)).toEqual([keep]);
      expect(await ctx.redis.exists(d.k.index('8'))).toBe(0);
      expect(await readStats(d)).toMatchObject({ expirations: 2, active: 1 });
      expect(await sweep(d)).toBe(0);
    } finally {
      await cleanup.stop();
    }
  });

  it('fallback: on a Redis without notifications, startCleanup picks the sweep and its timer prunes unaided', async () => {
    const redis = connect(plain);
    const d = storeDeps(redis, keyBuilder({ lab: 'fallback' }));
    const cleanup = await startCleanup(d, { sweepEveryMs: 100 }); // mode 'auto': asks the server
    try {
      expect(cleanup.mode).toBe('sweep');
      const keep = await seedSession(d, '9', 3_600_000);
      await seedSession(d, '9', 50);
      await waitFor(async () => (await redis.zcard(d.k.index('9'))) === 1, { what: 'the sweep timer to prune the expired session' });
      expect(await redis.zrange(d.k.index('9'), 0, -1)).toEqual([keep]);
      expect(await readStats(d)).toMatchObject({ expirations: 1, active: 1 });
    } finally {
      await cleanup.stop();
    }
  });
});
