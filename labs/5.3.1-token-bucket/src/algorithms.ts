// Four other rate-limiting algorithms, each a small script, for comparison with the token bucket.
// Every one takes the clock as an argument so the demo can replay the same traffic deterministically.
import type { KeyBuilder } from '../../../shared/keys';
import { luaCommand } from '../../../shared/lua';
import type { RedisClient } from '../../../shared/redis-client';

export interface Algorithm {
  name: string;
  /** One request by `client` at `now` (ms): allowed or not. */
  hit(client: string, now: number): Promise<boolean>;
}

/** Every algorithm allows about `limit` requests per `windowMs`. */
export interface AlgorithmConfig {
  limit: number;
  windowMs: number;
}

const file = (name: string) => new URL(`./${name}.lua`, import.meta.url);

export function fixedWindow(redis: RedisClient, keys: KeyBuilder, c: AlgorithmConfig): Algorithm {
  const run = luaCommand<number>(redis, 'alg_fixedWindow', file('fixed-window'), 1);
  return {
    name: 'fixed window',
    hit: async (client, now) => (await run([keys.key('fw', client, Math.floor(now / c.windowMs))], [c.limit, c.windowMs])) === 1,
  };
}

export function slidingLog(redis: RedisClient, keys: KeyBuilder, c: AlgorithmConfig): Algorithm {
  const run = luaCommand<number>(redis, 'alg_slidingLog', file('sliding-log'), 1);
  let seq = 0;
  return {
    name: 'sliding window log',
    // The member must be unique even for two requests in the same millisecond.
    hit: async (client, now) => (await run([keys.key('log', client)], [now, c.limit, c.windowMs, `${now}-${process.pid}-${seq++}`])) === 1,
  };
}

export function slidingCounter(redis: RedisClient, keys: KeyBuilder, c: AlgorithmConfig): Algorithm {
  const run = luaCommand<number>(redis, 'alg_slidingCounter', file('sliding-counter'), 2);
  return {
    name: 'sliding window counter',
    async hit(client, now) {
      const w = Math.floor(now / c.windowMs);
      // Both windows of a client under one hash tag: the script reads them together (one cluster slot).
      const keysOf = [keys.tagged('swc', client, w), keys.tagged('swc', client, w - 1)];
      return (await run(keysOf, [c.limit, c.windowMs, now - w * c.windowMs])) === 1;
    },
  };
}

export function gcra(redis: RedisClient, keys: KeyBuilder, c: AlgorithmConfig & { burst?: number }): Algorithm {
  const run = luaCommand<number>(redis, 'alg_gcra', file('gcra'), 1);
  return {
    name: 'GCRA',
    hit: async (client, now) => (await run([keys.key('gcra', client)], [now, c.windowMs / c.limit, c.burst ?? c.limit])) === 1,
  };
}
