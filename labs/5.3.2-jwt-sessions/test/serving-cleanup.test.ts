// serve hands the cleanup a fresh serving client for SUBSCRIBE; it queues nothing while connecting, so
// the cleanup must wait for it rather than fail to start (or start without its events).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { keyBuilder } from '../../../shared/keys';
import { createServingRedis, whenRedisReady } from '../../../shared/redis-client';
import { startCleanup } from '../src/cleanup';
import { storeDeps } from '../src/store';

let server: ManagedRedis;
const clients: ReturnType<typeof createServingRedis>[] = [];
beforeAll(async () => {
  server = await startRedisServer({ args: ['--notify-keyspace-events', 'Ex'] });
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server?.dispose();
});

describe('index cleanup after expiry', () => {
  it('subscribes on a serving client that is still connecting, and prunes on the expired event', async () => {
    const redis = createServingRedis(server.url);
    clients.push(redis);
    await whenRedisReady(redis);
    const d = storeDeps(redis, keyBuilder({ lab: 'serving' }));
    const cleanup = await startCleanup(d, {
      sweepEveryMs: 3_600_000,
      subscriber: () => {
        const c = createServingRedis(server.url); // not ready yet
        clients.push(c);
        return c;
      },
    });
    try {
      expect(cleanup.mode).toBe('notifications');
      await redis.multi().hset(d.k.session('u1', 's1'), { userId: 'u1' }).pexpire(d.k.session('u1', 's1'), 50).zadd(d.k.index('u1'), 0, 's1').exec();
      await expect.poll(() => redis.zcard(d.k.index('u1')), { timeout: 3000 }).toBe(0);
    } finally {
      await cleanup.stop();
    }
  });
});
