// The serving client against a private redis-server: bounded while frozen, fail-fast while gone,
// back by itself, one log line per state change, and outages mapped to 503 without driver text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type ManagedRedis } from '../../harness/faults';
import { toErrorResponse } from '../http';
import { createServingRedis, isRedisUnavailable, redactUrl, whenRedisReady } from '../redis-client';

let server: ManagedRedis;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.dispose();
});

function recordingLog() {
  const lines: string[] = [];
  return { lines, info: (_o: object, m: string) => lines.push(`info ${m}`), warn: (_o: object, m: string) => lines.push(`warn ${m}`) };
}

describe('serving Redis client', () => {
  it('rejects with a timeout while the server is frozen, and answers again once it resumes', async () => {
    const redis = createServingRedis(server.url);
    await whenRedisReady(redis);
    server.pause();
    try {
      const err = await redis.get('k').catch((e: unknown) => e);
      expect(isRedisUnavailable(err)).toBe(true);
      expect(toErrorResponse(err)).toMatchObject({ status: 503, retryAfter: 1, body: { error: { code: 'service_unavailable' } } });
    } finally {
      server.resume();
    }
    await expect(redis.ping()).resolves.toBe('PONG');
    redis.disconnect();
  });

  it('fails fast while the server is gone, logs down and up once each, and reconnects by itself', async () => {
    const log = recordingLog();
    const redis = createServingRedis(server.url, { log, name: 'test' });
    await whenRedisReady(redis);
    await server.stop();
    await new Promise((r) => redis.once('close', r));
    const err = await redis.get('k').catch((e: unknown) => e);
    expect(isRedisUnavailable(err)).toBe(true);
    const body = JSON.stringify(toErrorResponse(err).body);
    expect(body).not.toMatch(/Stream|writeable|ECONN/);
    await server.start();
    await whenRedisReady(redis, 5000);
    await expect(redis.ping()).resolves.toBe('PONG');
    expect(log.lines).toEqual(['warn redis is unavailable; serving fallbacks until it returns', 'info redis is back']);
    redis.disconnect();
  });

  it("calls ioredis's abort of a pipeline cut by a closing connection (a failover) an outage", () => {
    // What ioredis rejects a partly answered pipeline with when its connection closes (event_handler.js).
    const err = Object.assign(new Error('Command aborted due to connection close'), { name: 'AbortError' });
    expect(isRedisUnavailable(err)).toBe(true);
  });

  it('does not call a script error or a wrong-type error an outage', async () => {
    const redis = createServingRedis(server.url);
    await whenRedisReady(redis);
    await redis.set('str', 'x');
    const err = await redis.lpush('str', 'y').catch((e: unknown) => e);
    expect(isRedisUnavailable(err)).toBe(false);
    redis.disconnect();
  });

  it('masks passwords in URLs', () => {
    expect(redactUrl('connect redis://:secretpw@host:6379/0 failed')).toBe('connect redis://:***@host:6379/0 failed');
    expect(redactUrl('rediss://user:pw@h/1?password=abc')).toBe('rediss://user:***@h/1?password=***');
  });
});
