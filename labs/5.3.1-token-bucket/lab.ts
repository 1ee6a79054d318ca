import Table from 'cli-table3';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { Redis } from 'ioredis';
import { deleteByPrefix, type LabContext } from '../../harness/context';
import { parseArgs } from 'node:util';
import { defineLab } from '../../harness/define-lab';
import { UsageError } from '../../harness/usage-error';
import { startRedisServer } from '../../harness/faults';
import { measure, type LatencyStats } from '../../harness/latency';
import { loadApp } from '../../harness/load';
import { latencyMetric, rateMetric, ratio } from '../../harness/report';
import { createApp, finishApp, listen } from '../../shared/http';
import { fixedWindow, gcra, slidingCounter, slidingLog } from './src/algorithms';
import { createLimitedApp } from './src/app';
import { createTokenBucket } from './src/bucket';
import { rateLimitHeaders } from './src/headers';
import { createLimiter } from './src/limiter';
import { parsePolicies } from './src/policy';
import { burstyTraffic, maxInAnyWindow, replay } from './src/traffic';

const START = 1_700_000_000_000; // the demo's simulated clock starts on a round second

async function demo(ctx: LabContext) {
  const log = ctx.log;
  const keys = ctx.keys.forLab('5.3.1:demo');
  const clean = () => deleteByPrefix(ctx.redis, `${keys.prefix}${keys.lab}:`);
  await clean();
  let t = START;
  const now = () => t;

  log.info('1. One bucket, capacity 5, refilling 1 token/s, on a clock the demo moves by hand');
  const bucket = createTokenBucket(ctx.redis, { now });
  const spec = { key: keys.key('bucket', 'solo'), capacity: 5, refillPerSec: 1 };
  const burst = [];
  for (let i = 0; i < 7; i++) burst.push((await bucket.take([spec])).allowed ? 'allow' : 'deny');
  log.info(`   an idle client bursts 7 requests at once: ${burst.join(' ')}`);
  t += 2500;
  const after = await bucket.take([spec]);
  log.info(`   2.5 s later 2.5 tokens are back: allowed=${after.allowed}, ${after.buckets[0]!.remaining} whole token(s) left`);

  log.info('2. Several policies, checked and charged in ONE script call');
  const policies = parsePolicies([
    { name: 'per-ip', by: ['ip'], capacity: 60, refillPerSec: 1 },
    { name: 'per-user', by: ['user'], capacity: 100, refillPerSec: 100 / 60 },
    { name: 'search', by: ['user', 'endpoint'], endpoints: ['GET /api/search'], capacity: 3, refillPerSec: 0.5 },
  ]);
  const limiter = createLimiter(bucket, keys, policies);
  const id = { user: 'ada', ip: '203.0.113.7', endpoint: 'GET /api/search' };
  for (let i = 1; i <= 4; i++) {
    const d = await limiter.check(id);
    const h = rateLimitHeaders(d);
    log.info(`   search #${i}: ${d.allowed ? 'allowed' : `denied, Retry-After ${h['Retry-After']}`} | RateLimit: ${h.RateLimit}`);
  }
  log.info(`   RateLimit-Policy of a search: ${rateLimitHeaders(await limiter.check(id))['RateLimit-Policy']}`);

  log.info('3. The same bursty traffic through five algorithms (limit 10 per second, simulated clock)');
  const config = { limit: 10, windowMs: 1000 };
  const phases = burstyTraffic(config.limit, config.windowMs);
  const algorithms = [
    {
      name: 'token bucket (cap 10, 10/s)',
      // The demo's bucket reads the simulated clock `t`, so replaying means moving `t`.
      hit: async (client: string, at: number) => {
        t = at;
        return (await bucket.take([{ key: keys.key('tb', client), capacity: 10, refillPerSec: 10 }])).allowed;
      },
    },
    fixedWindow(ctx.redis, keys, config),
    slidingLog(ctx.redis, keys, config),
    slidingCounter(ctx.redis, keys, config),
    gcra(ctx.redis, keys, config),
  ];
  const table = new Table({ head: ['algorithm', ...phases.map((p) => `${p.name} (${p.times.length})`), 'max in any 1 s'] });
  for (const alg of algorithms) {
    const r = await replay(phases, START, (at) => alg.hit('c', at));
    table.push([alg.name, ...r.perPhase, maxInAnyWindow(r.allowedTimes, config.windowMs)]);
  }
  console.log(table.toString());
  log.info('   fixed window: 2x the limit across the boundary; sliding log: exact but one member per request;');
  log.info('   sliding counter: 2 integers, approximate; token bucket and GCRA: a burst, then held to the rate.');

  log.info('4. Over HTTP: the middleware, a 429 and /limits/stats');
  const served = createLimitedApp({ redis: ctx.redis, keys, now, legacyHeaders: true, log: ctx.log });
  const server = await listen(served.app);
  try {
    let last: Response | undefined;
    for (let i = 0; i < 11; i++) last = await fetch(`${server.url}/api/search?q=redis`, { headers: { 'x-user-id': 'mallory' } });
    log.info(`   11th search by mallory (search policy: 10): ${last!.status} ${JSON.stringify(await last!.json())}`);
    log.info(`   Retry-After: ${last!.headers.get('retry-after')}  RateLimit: ${last!.headers.get('ratelimit')}  X-RateLimit-Remaining: ${last!.headers.get('x-ratelimit-remaining')}`);
    const stats = (await (await fetch(`${server.url}/limits/stats`)).json()) as { counts: unknown[]; topOffenders: unknown[] };
    log.info(`   /limits/stats counts: ${JSON.stringify(stats.counts)}`);
    log.info(`   top offenders: ${JSON.stringify(stats.topOffenders)}`);
  } finally {
    await server.close();
    await served.close();
    await clean();
  }
}

const ID = '5.3.1';

export default defineLab({
  id: ID,
  title: 'Token bucket limiter middleware',
  summary: 'A token bucket in one Lua script, per user/IP/endpoint, as Express middleware with RateLimit headers.',
  services: ['redis'],
  async run(ctx, argv) {
    // The demo takes no arguments; anything else is a mistake worth saying so.
    try {
      parseArgs({ args: argv, options: {}, strict: true, allowPositionals: false });
    } catch (err) {
      throw new UsageError(`${(err as Error).message}. Usage: npm run lab ${ID} (or: npm run lab ${ID} -- serve --port 3000)`);
    }
    await demo(ctx);
  },
  async serve(ctx) {
    const served = createLimitedApp({ redis: ctx.redis, keys: ctx.keys, legacyHeaders: true, log: ctx.log });
    return { app: served.app, close: served.close };
  },
  async bench({ ctx, quick, progress }) {
    const iterations = quick ? 3_000 : 30_000;
    const users = 1000;
    const huge = 1_000_000_000; // nothing is ever denied: we measure the decision, not the rejection
    const bucket = createTokenBucket(ctx.redis);
    const rlf = new RateLimiterRedis({ storeClient: ctx.redis, keyPrefix: ctx.keys.key('rlf'), points: huge, duration: 60 });
    const lua = (i: number) => bucket.take([{ key: ctx.keys.key('bench', i % users), capacity: huge, refillPerSec: huge / 60 }]);
    const anchor = (i: number) => rlf.consume(`u${i % users}`);

    const runs: Array<[string, (i: number) => Promise<unknown>, number]> = [
      ['lua token bucket, concurrency 1', lua, 1],
      ['rate-limiter-flexible, concurrency 1', anchor, 1],
      ['lua token bucket, concurrency 50', lua, 50],
      ['rate-limiter-flexible, concurrency 50', anchor, 50],
    ];
    // The machine is shared: each pair runs in alternating rounds and keeps each side's best round,
    // so a neighbour's burst of CPU does not decide the ratio.
    const rounds = 5;
    const stats = new Map<string, LatencyStats>();
    for (const pair of [runs.slice(0, 2), runs.slice(2, 4)]) {
      const bar = progress(`${pair[0]![0].split(', ')[1]}: lua vs rlf`, iterations * 2);
      for (let r = 0; r < rounds; r++) {
        for (const [name, fn, concurrency] of pair) {
          const st = await measure(fn, { iterations: iterations / rounds, concurrency, warmup: 300, onProgress: () => bar.increment() });
          if (st.opsPerSec > (stats.get(name)?.opsPerSec ?? 0)) stats.set(name, st);
        }
      }
      bar.stop();
    }
    const three = createLimiter(bucket, ctx.keys, parsePolicies([
      { name: 'ip', by: ['ip'], capacity: huge, refillPerSec: huge },
      { name: 'user', by: ['user'], capacity: huge, refillPerSec: huge },
      { name: 'ep', by: ['user', 'endpoint'], capacity: huge, refillPerSec: huge },
    ]));
    const bar3 = progress('3 buckets in one call, c=50', iterations);
    const multi = await measure((i) => three.check({ user: `u${i % users}`, ip: `10.0.${i % 250}.1`, endpoint: 'GET /x' }), { iterations, concurrency: 50, warmup: 500, onProgress: () => bar3.increment() });
    bar3.stop();

    // Redis's own CPU per decision, from INFO commandstats on a private server (CONFIG RESETSTAT is
    // ours to call there): the part of the cost the machine's other load hardly disturbs.
    const server = await startRedisServer();
    const priv = new Redis(server.url);
    const serverUs = async (fn: (i: number) => Promise<unknown>) => {
      await fn(0);
      await priv.config('RESETSTAT');
      await measure(fn, { iterations: quick ? 2_000 : 10_000, concurrency: 20, warmup: 0 });
      const line = (await priv.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_evalsha')) ?? '';
      return Number(/usec_per_call=([\d.]+)/.exec(line)?.[1] ?? NaN);
    };
    const privBucket = createTokenBucket(priv);
    const privRlf = new RateLimiterRedis({ storeClient: priv, keyPrefix: 'rlf', points: huge, duration: 60 });
    const luaServerUs = await serverUs((i) => privBucket.take([{ key: `b:${i % users}`, capacity: huge, refillPerSec: huge / 60 }]));
    const rlfServerUs = await serverUs((i) => privRlf.consume(`u${i % users}`));
    priv.disconnect();
    await server.dispose();

    // Middleware cost: the same app with and without the limiter, same load, same run.
    const duration = quick ? 1 : 4;
    const policies = [{ name: 'per-ip', by: ['ip' as const], capacity: huge, refillPerSec: huge }];
    const withLimiter = createLimitedApp({ redis: ctx.redis, keys: ctx.keys, policies });
    const without = createLimitedApp({ redis: ctx.redis, keys: ctx.keys, policies, unlimited: true });
    const loadOpts = { path: '/api/hello', duration, connections: 50 };
    // The floor for ANY Redis-backed limiter: the same route behind a middleware that only PINGs Redis.
    const pingOnly = createApp({ name: 'lab_5_3_1_ping' });
    pingOnly.use('/api', async (_req, _res, next) => {
      await ctx.redis.ping();
      next();
    });
    pingOnly.get('/api/hello', (_req, res) => {
      res.json({ hello: 'world' });
    });
    finishApp(pingOnly);
    const barHttp = progress('HTTP load (6 runs)', 6);
    const best = { plain: 0, ping: 0, limited: 0 };
    let limitedNon2xx = 0;
    for (let r = 0; r < 2; r++) {
      for (const [name, app] of [['plain', without.app], ['ping', pingOnly], ['limited', withLimiter.app]] as const) {
        const res = await loadApp(app, loadOpts);
        barHttp.increment();
        if (res.requestsPerSec > best[name]) best[name] = res.requestsPerSec;
        if (name === 'limited') limitedNon2xx += res.non2xx;
      }
    }
    await withLimiter.close();
    await without.close();

    const s = (n: string) => stats.get(n)!;
    const c1 = s(runs[0]![0]).opsPerSec / s(runs[1]![0]).opsPerSec;
    const c50 = s(runs[2]![0]).opsPerSec / s(runs[3]![0]).opsPerSec;
    return {
      metrics: [
        ...runs.map(([name]) => latencyMetric(`decision: ${name}`, s(name))),
        latencyMetric('decision: 3 buckets in one call, concurrency 50', multi),
        { name: 'Redis CPU per decision: lua token bucket (EVALSHA usec_per_call)', unit: 'µs', value: luaServerUs },
        { name: 'Redis CPU per decision: rate-limiter-flexible (EVALSHA usec_per_call)', unit: 'µs', value: rlfServerUs },
        rateMetric('HTTP GET /api/hello without limiter', best.plain, 'req/s'),
        rateMetric('HTTP GET /api/hello behind a Redis PING only', best.ping, 'req/s'),
        rateMetric('HTTP GET /api/hello with limiter', best.limited, 'req/s'),
      ],
      ratios: [
        ratio('lua_decisions_per_s / rlf_decisions_per_s (c=50)', c50, { atLeast: 1.0 }),
        ratio('lua_decisions_per_s / rlf_decisions_per_s (c=1)', c1),
        ratio('lua_p99 / rlf_p99 (c=50)', s(runs[2]![0]).p99 / s(runs[3]![0]).p99),
        ratio('lua_redis_cpu_per_decision / rlf_redis_cpu_per_decision', luaServerUs / rlfServerUs, undefined, 'refill arithmetic + reset/retry vs a fixed-window INCR'),
        ratio('limiter_cost = 1 - limited_req_s / plain_req_s', 1 - best.limited / best.plain, { atMost: 0.15 }),
        ratio('limited_req_s / redis_ping_req_s', best.limited / best.ping, undefined, 'the limiter against the floor of one Redis round trip per request'),
      ],
      notes: [
        `${iterations.toLocaleString()} decisions per limiter and concurrency (5 alternating rounds, best round kept) over ${users} keys, capacity ${huge.toLocaleString()} so nothing is denied; both limiters on the same Redis connection in the same run.`,
        'The Lua bucket reads Redis TIME inside the script (no injected clock), as in production.',
        `HTTP: autocannon, ${loadOpts.connections} connections, ${duration} s per run, 2 alternating rounds each (best kept), one per-ip policy; non-2xx with limiter: ${limitedNon2xx}.`,
      ],
    };
  },
});
