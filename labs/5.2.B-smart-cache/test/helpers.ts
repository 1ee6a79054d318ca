// Test helpers: caches on the test context's Redis under its unique prefix, and a clock tests move.
import { mastersOf } from '../../../shared/redis-scan';
import type { RedisClient } from '../../../shared/redis-client';
import { afterAll, beforeAll } from 'vitest';
import { createTestContext, type ContextOptions, type LabContext } from '../../../harness/context';
import { createSmartCache, type CacheOptions, type SmartCache } from '../src/cache';
import { cacheRedisOptions } from '../src/redis-client';

export interface Clock {
  (): number;
  advance(ms: number): void;
}

export function manualClock(start = 1_700_000_000_000): Clock {
  let t = start;
  const clock = (() => t) as Clock;
  clock.advance = (ms) => {
    t += ms;
  };
  return clock;
}

let n = 0;

/** One test context per file (unique prefix, Redis only by default), handed over in beforeAll, disposed after. */
export function useTestContext(take: (ctx: LabContext) => void, opts: Partial<ContextOptions> = { services: ['redis'] }): void {
  let ctx: LabContext | undefined;
  beforeAll(async () => {
    ctx = await createTestContext('5.2.B', opts);
    take(ctx);
  });
  afterAll(() => ctx?.dispose());
}

/** A cache (L1 + L2 + bus by default) on the context's Redis; closed when the context is disposed. */
export async function makeCache(ctx: LabContext, opts: Partial<CacheOptions> & { base?: string; bus?: boolean } = {}): Promise<SmartCache> {
  const { base, bus, ...rest } = opts;
  const redis = rest.redis ?? ctx.newRedis(cacheRedisOptions({ commandTimeoutMs: 2000 }));
  const subscriber = bus === false ? undefined : ctx.newRedis({ maxRetriesPerRequest: null });
  const cache = createSmartCache({ keyBase: base ?? ctx.keys.key('sc'), redis, subscriber, ...rest });
  // The shared Redis is up, so this resolves as soon as the bus is subscribed; the long bound only
  // matters on a loaded machine, where a bus message sent before SUBSCRIBE lands would be lost.
  await cache.start(15_000);
  ctx.onDispose(() => cache.close());
  return cache;
}

/** A loader that counts its calls; a function value gets the call number (1, 2, …). */
export function counting<T>(value: T | ((call: number) => T | Promise<T>)) {
  const fn = async (): Promise<T> => {
    fn.calls++;
    return typeof value === 'function' ? (value as (call: number) => T | Promise<T>)(fn.calls) : value;
  };
  fn.calls = 0;
  return fn;
}

/** Every key matching `match` (a full SCAN of every master, written out here so tests do not lean on src/scan.ts). */
export async function scanAll(redis: RedisClient, match: string): Promise<string[]> {
  const out: string[] = [];
  for (const node of mastersOf(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
  }
  return out;
}

export const uniqueKey = (label = 'k') => `${label}-${++n}-${Math.random().toString(36).slice(2, 8)}`;
