// `npm run lab 5.3.1`: one bucket on a hand-moved clock, several policies charged in one script call,
// five algorithms on the same bursty traffic, then the middleware over HTTP with a 429 and /limits/stats.
import Table from 'cli-table3';
import { deleteByPrefix, type LabContext } from '../../harness/context';
import { rejectArgs } from '../../harness/usage-error';
import { listen } from '../../shared/http';
import { whenRedisReady } from '../../shared/redis-client';
import { fixedWindow, gcra, slidingCounter, slidingLog } from './src/algorithms';
import { createLimitedApp } from './src/app';
import { createTokenBucket } from './src/bucket';
import { rateLimitHeaders } from './src/headers';
import { createLimiter } from './src/limiter';
import { parsePolicies } from './src/policy';
import { burstyTraffic, maxInAnyWindow, replay } from './src/traffic';

const START = 1_700_000_000_000; // the demo's simulated clock starts on a round second

export async function runDemo(ctx: LabContext, argv: string[]): Promise<void> {
  // The demo takes no arguments; anything else is a mistake worth saying so.
  rejectArgs(argv, 'npm run lab 5.3.1 (or: npm run lab 5.3.1 -- serve --port 3000)');
  const log = ctx.log;
  const keys = ctx.keys.forLab('5.3.1:demo');
  const clean = () => deleteByPrefix(ctx.redis, `${keys.prefix}${keys.lab}:`);
  // A Cluster client learns its masters on connecting: scanning them before that finds none ready.
  await whenRedisReady(ctx.redis, 10_000);
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
    const stats = (await (await fetch(`${server.url}/limits/stats`, { headers: { authorization: `Bearer ${served.adminToken}` } })).json()) as { counts: unknown[]; topOffenders: unknown[] };
    log.info(`   /limits/stats counts: ${JSON.stringify(stats.counts)}`);
    log.info(`   top offenders: ${JSON.stringify(stats.topOffenders)}`);
  } finally {
    await server.close();
    await served.close();
    await clean();
  }
}
