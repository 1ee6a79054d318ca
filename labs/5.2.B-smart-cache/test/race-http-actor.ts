// A race actor for the response cache across processes: every process runs its own express app with
// the response-cache middleware on its own cache (own L1, own single-flight) over the same Redis; every
// actor GETs the same cold URL from its process's server. The route counts its runs in Redis and holds
// its answer until every actor's request has arrived, so the other process's requests are surely waiting
// (on the lock) when the answer is stored.
import express from 'express';
import { connectRedis, type RedisClient } from '../../../shared/redis-client';
import { defineRaceActor } from '../../../harness/race';
import { finishApp, listen, type Listening } from '../../../shared/http';
import { connectSmartCache, type SmartCache } from '../src/cache';
import { responseCache } from '../src/http/response-cache';

interface Args {
  redisUrl: string;
  keyBase: string;
  /** INCRed by every run of the route. */
  runsKey: string;
  /** INCRed by every request before the middleware sees it. */
  arrivedKey: string;
  actors: number;
}

interface State {
  cache: SmartCache;
  counter: RedisClient;
  server: Listening;
}

export default defineRaceActor<Args, State, string>({
  async setup(args) {
    // A long lock: the holder waits for every arrival, which can take a while on a loaded machine.
    const cache = await connectSmartCache(args.redisUrl, { keyBase: args.keyBase, lockTtlMs: 20_000, lockWaitMs: 20_000, redisOptions: { commandTimeoutMs: 2000 } });
    const counter = connectRedis(args.redisUrl);
    const app = express();
    app.use((_req, _res, next) => void counter.incr(args.arrivedKey).then(() => next(), next));
    app.get('/products', responseCache(cache, { ttl: 60_000, namespace: 'http' }), async (_req, res) => {
      await counter.incr(args.runsKey);
      const deadline = Date.now() + 10_000;
      while (Number(await counter.get(args.arrivedKey)) < args.actors && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      res.json({ products: [1, 2, 3], by: process.pid });
    });
    finishApp(app); // errors as JSON: an unfinished exercise's 501 carries its message
    return { cache, counter, server: await listen(app) };
  },
  async act({ server }) {
    const res = await fetch(`${server.url}/products?limit=3&category=books`);
    const text = await res.text();
    if (res.status !== 200) {
      let message = `${res.status}: ${text}`;
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {}
      throw new Error(message); // an unfinished exercise's 501 fails with its own message
    }
    return `${res.headers.get('x-cache')}${res.headers.get('x-cache-shared') ? ' shared' : ''} ${text}`;
  },
  async teardown({ cache, counter, server }) {
    await server.close();
    await cache.close();
    counter.disconnect();
  },
});
