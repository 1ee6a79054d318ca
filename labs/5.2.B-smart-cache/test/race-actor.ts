// A race actor for the cross-process stampede test: every process opens its own cache (its own L1,
// its own single-flight) on the same Redis; all actors ask for the same cold key at once. The loader
// counts its calls in Redis, so the test can check the count across processes.
import { connectRedis, type RedisClient } from '../../../shared/redis-client';
import { defineRaceActor } from '../../../harness/race';
import { connectSmartCache, type SmartCache } from '../src/cache';

interface Args {
  redisUrl: string;
  keyBase: string;
  key: string;
  counterKey: string;
}

export default defineRaceActor<Args, { cache: SmartCache; counter: RedisClient }, string>({
  async setup(args) {
    const cache = await connectSmartCache(args.redisUrl, { keyBase: args.keyBase, ttl: 60_000, lockWaitMs: 10_000, redisOptions: { commandTimeoutMs: 2000 } });
    return { cache, counter: connectRedis(args.redisUrl) };
  },
  async act({ cache, counter }, _i, args) {
    return cache.getOrSet(args.key, async () => {
      await counter.incr(args.counterKey);
      await new Promise((r) => setTimeout(r, 100)); // a slow query: the window a stampede needs
      return `loaded by ${process.pid}`;
    });
  },
  async teardown({ cache, counter }) {
    await cache.close();
    counter.disconnect();
  },
});
