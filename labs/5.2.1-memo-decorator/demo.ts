// `npm run lab 5.2.1`: client A misses then hits L1, 50 concurrent calls share one upstream call,
// client B (an empty L1) hits Redis, and client C keeps answering while its own Redis is stopped.
import Table from 'cli-table3';
import { Redis } from 'ioredis';
import { deleteByPrefix, type LabContext } from '../../harness/context';
import { startRedisServer } from '../../harness/faults';
import { round } from '../../harness/latency';
import { listen } from '../../shared/http';
import { whenRedisReady } from '../../shared/redis-client';
import { serviceOptions } from './serve';
import { memoKey } from './src/memo-key';
import { memoRedisOptions, whenReady, type MemoizeOptions, type MemoStats } from './src/memoize';
import { WeatherClient } from './src/weather-client';
import { createWeatherService } from './src/weather-service';

const ms = (t0: number) => `${round(performance.now() - t0, 3)} ms`;

function statsRow(name: string, s: MemoStats | undefined) {
  if (!s) return [name, '', '', '', '', '', '', ''];
  return [name, `${s.l1.hits}/${s.l1.misses}`, `${s.l2.hits}/${s.l2.misses}`, s.l2.errors, s.upstream.calls, s.joins, s.l1.evictions, s.l1.size];
}

export async function runDemo(ctx: LabContext, argv: string[]) {
  const { log } = ctx;
  const weather = createWeatherService(serviceOptions(argv));
  const server = await listen(weather.app);
  ctx.onDispose(() => server.close());
  const namespace = ctx.keys.key('memo');
  // A cluster client lists its masters once it is ready (the scan asks each of them).
  await whenRedisReady(ctx.redis, 10_000);
  await deleteByPrefix(ctx.redis, `${namespace}:`); // a rerun starts cold
  const redis = await whenReady(ctx.newRedis(memoRedisOptions));
  const memo: MemoizeOptions = { ttlMs: 60_000, l1TtlMs: 10_000, max: 500, mode: 'hybrid', redis, namespace };
  log.info(`weather service on ${server.url} answers after ${serviceOptions(argv).latencyMs} ms; memo: hybrid L1 (10 s) → Redis (60 s)`);

  const a = new WeatherClient(server.url, memo);
  let t0 = performance.now();
  await a.forecast('Paris', { days: 3 });
  log.info(`A: forecast(Paris) — miss, upstream call: ${ms(t0)}`);
  t0 = performance.now();
  await a.forecast('Paris', { days: 3 });
  log.info(`A: forecast(Paris) again — L1 hit: ${ms(t0)}`);

  const keyOf = (args: unknown[]) => memoKey({ namespace, fnName: 'WeatherClient.forecast', args });
  log.info(`key for ('Oslo', {days:2, units:'metric'}) = ${keyOf(['Oslo', { days: 2, units: 'metric' }])}`);
  log.info(`key for ('Oslo', {units:'metric', days:2}) = ${keyOf(['Oslo', { units: 'metric', days: 2 }])}  (same: keys are sorted)`);
  log.info(`key for a long or unusual argument is hashed: ${keyOf(['Llanfairpwllgwyngyll\n'.repeat(4)])}`);

  weather.reset();
  t0 = performance.now();
  await Promise.all(Array.from({ length: 50 }, () => a.forecast('Tokyo')));
  log.info(`A: 50 concurrent forecast(Tokyo) — ${weather.callsFor('Tokyo')} upstream call, ${a.stats()!.joins} callers joined it (${ms(t0)})`);

  const b = new WeatherClient(server.url, memo);
  t0 = performance.now();
  await b.forecast('Paris', { days: 3 });
  log.info(`B (another process: empty L1): forecast(Paris) — L2 hit from Redis, promoted to L1: ${ms(t0)}`);
  t0 = performance.now();
  await b.forecast('Paris', { days: 3 });
  log.info(`B: forecast(Paris) again — L1 hit: ${ms(t0)}`);

  const rows = [statsRow('A', a.stats()), statsRow('B', b.stats())];
  try {
    const private_ = await startRedisServer();
    ctx.onDispose(() => private_.dispose());
    const r = new Redis(private_.url, memoRedisOptions);
    r.on('error', () => {});
    ctx.onDispose(() => r.disconnect());
    await whenReady(r);
    const c = new WeatherClient(server.url, { ...memo, redis: r });
    await c.forecast('Berlin');
    log.info(`C (own Redis on port ${private_.port}): forecast(Berlin) cached in L1 and Redis; now the Redis server stops…`);
    await private_.stop();
    t0 = performance.now();
    await c.forecast('Berlin');
    log.info(`C: forecast(Berlin) with Redis down — still an L1 hit: ${ms(t0)}`);
    t0 = performance.now();
    const madrid = await c.forecast('Madrid');
    log.info(`C: forecast(Madrid) with Redis down — Redis skipped, upstream answered (call #${madrid.call}), no error: ${ms(t0)}`);
    rows.push(statsRow('C (Redis down)', c.stats()));
  } catch (err) {
    log.warn(`skipping the Redis-down part: ${(err as Error).message}`);
  }

  const table = new Table({ head: ['client', 'L1 hit/miss', 'L2 hit/miss', 'L2 errors', 'upstream', 'joins', 'evictions', 'L1 size'] });
  table.push(...rows);
  console.log(table.toString());
  log.info(`upstream calls since the Tokyo burst: ${weather.calls} (Tokyo once, Berlin, Madrid)`);
}
