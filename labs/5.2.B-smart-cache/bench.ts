// `npm run bench 5.2.B`: the smart cache against bentocache (the anchor: memory + redis drivers and a
// redis bus on the same Redis), raw ioredis GET as the floor, the HTTP middleware against a bare
// express route, a request p99 while a private Redis is stopped, and on Redis Cluster: the L2 hit on a
// private cluster vs a private single server, then the service's failover drill. Everything in one run.
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import express from 'express';
import { benchTopologies, clusterVsSingle, failoverMetrics } from '../../harness/cluster-bench';
import type { LabContext } from '../../harness/context';
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { describeFailover, runFailoverDrill } from '../../harness/failover-drill';
import { startRedisServer } from '../../harness/faults';
import { measure, median, type LatencyStats, type MeasureOptions } from '../../harness/latency';
import { loadAgainstBare, loadApp } from '../../harness/load';
import { latencyMetric, rateMetric, ratio, ratioOfRounds, type Metric } from '../../harness/report';
import { zipf } from '../../harness/seed/zipf';
import { listen } from '../../shared/http';
import { connectRedis } from '../../shared/redis-client';
import { connectSmartCache, createSmartCache, type SmartCache } from './src/cache';
import { keyspace } from './src/keys';
import { makeEntry } from './src/entry';
import { responseCache } from './src/http/response-cache';
import { createCacheRedis, createCacheSubscriber } from './src/redis-client';
import { jsonSerializer, superjsonSerializer } from './src/serializer';
import { createService } from './src/service/app';
import { createRepo, productJson, seed } from './src/service/db';

export async function runBench(api: BenchApi): Promise<BenchResult> {
  const { ctx, quick } = api;
  const url = ctx.services.redis.url;
  const rounds = quick ? 3 : 9; // per comparison, alternating (the notes quote the same number)
  const n = { l1: quick ? 5_000 : 50_000, l2: quick ? 500 : 5_000, miss: quick ? 300 : 2_000, concMs: quick ? 1_000 : 1_500, httpSec: quick ? 2 : 4, httpRounds: quick ? 1 : 3, zipfKeys: quick ? 2_000 : 10_000 };
  await seed(ctx.pg, { products: 200, users: 20 });
  const repo = createRepo(ctx.pg);
  const product = (await repo.product(1))!;
  // bentocache serializes with JSON (no BigInt): both libraries cache the API's JSON-safe shape.
  const row = productJson(product);
  const metrics: Metric[] = [];
  const notes: string[] = [];
  const closers: Array<() => unknown> = [];

  // ─── the contenders ───────────────────────────────────────────────────────────────────────────
  const ours = await connectSmartCache(url, { keyBase: ctx.keys.key('ours'), ttl: 3_600_000, bus: true });
  const oursL2 = await connectSmartCache(url, { keyBase: ctx.keys.key('ours'), ttl: 3_600_000, l1: false, bus: false });
  closers.push(() => ours.close(), () => oursL2.close());
  const bentoRedis = connectRedis(url);
  const bentoBus = connectRedis(url);
  const bento = new BentoCache({
    default: 'both',
    ttl: '1h',
    stores: {
      both: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 10_000 }))
        .useL2Layer(redisDriver({ connection: bentoRedis, prefix: ctx.keys.key('bento') }))
        .useBus(redisBusDriver({ connection: bentoBus })),
      l2: bentostore().useL2Layer(redisDriver({ connection: bentoRedis, prefix: ctx.keys.key('bento-l2') })),
    },
  });
  const bentoL2 = bento.use('l2');
  closers.push(() => bento.disconnectAll(), () => bentoRedis.disconnect(), () => bentoBus.disconnect());
  // bentocache's docs: `serialize: false` on the memory driver keeps values as they are (no JSON per
  // hit) for callers that do not mutate what they get — the fair L1 rival to ours, which does the same.
  const bentoPlainRedis = connectRedis(url);
  const bentoPlainBus = connectRedis(url);
  const bentoPlain = new BentoCache({
    default: 'both',
    ttl: '1h',
    stores: {
      both: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 10_000, serialize: false }))
        .useL2Layer(redisDriver({ connection: bentoPlainRedis, prefix: ctx.keys.key('bento-plain') }))
        .useBus(redisBusDriver({ connection: bentoPlainBus })),
    },
  });
  closers.push(() => bentoPlain.disconnectAll(), () => bentoPlainRedis.disconnect(), () => bentoPlainBus.disconnect());
  const raw = connectRedis(url);
  const rawT = createCacheRedis(url);
  closers.push(() => raw.disconnect(), () => rawT.disconnect());
  const rawKey = ctx.keys.key('raw', 'product');
  await raw.set(rawKey, superjsonSerializer.encode(makeEntry(row, 3_600_000, 0, [], Date.now())));

  const roundsOf = new WeakMap<object, Record<string, LatencyStats[]>>();
  /** a/b measured in the same round, one value per round (neighbours in time: drift cancels). */
  const paired = (fns: object, a: string, b: string, field: 'p50' | 'opsPerSec') => {
    const runs = roundsOf.get(fns)!;
    return runs[a]!.map((x, i) => x[field] / runs[b]![i]![field]);
  };
  /**
   * Measures the contenders in alternating rounds (a, b, c, a, b, c, …) and keeps each one's median
   * round: on a shared 2-core box the background load drifts, and interleaving spreads the drift
   * evenly instead of charging it to whoever ran last.
   */
  const compare = async (label: string, fns: Record<string, (i: number) => Promise<unknown>>, per: MeasureOptions): Promise<Record<string, LatencyStats>> => {
    const names = Object.keys(fns);
    const bar = api.progress(label, rounds * names.length);
    const runs: Record<string, LatencyStats[]> = Object.fromEntries(names.map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < names.length; j++) {
        const name = names[(r + j) % names.length]!;
        runs[name]!.push(await measure(fns[name]!, { warmup: 100, ...per }));
        bar.increment();
      }
    }
    bar.stop();
    roundsOf.set(fns, runs);
    return Object.fromEntries(
      names.map((k) => {
        const xs = runs[k]!;
        const pick = (f: keyof LatencyStats) => median(xs.map((x) => x[f]));
        return [k, { count: xs.reduce((a, x) => a + x.count, 0), p50: pick('p50'), p90: pick('p90'), p99: pick('p99'), max: Math.max(...xs.map((x) => x.max)), mean: pick('mean'), opsPerSec: pick('opsPerSec') }];
      }),
    );
  };
  const load = async () => row;

  try {
    // ─── L1 hit ─────────────────────────────────────────────────────────────────────────────────
    await ours.getOrSet('hot', load);
    await bento.getOrSet({ key: 'hot', factory: load });
    await bentoPlain.getOrSet({ key: 'hot', factory: load });
    const l1Fns = { ours: () => ours.getOrSet('hot', load), bento: () => bento.getOrSet({ key: 'hot', factory: load }), bentoPlain: () => bentoPlain.getOrSet({ key: 'hot', factory: load }) };
    const l1 = await compare('L1 hit', l1Fns, { iterations: n.l1 });
    metrics.push(latencyMetric('L1 hit getOrSet — ours', l1.ours!), latencyMetric('L1 hit getOrSet — bentocache (serialize: true, its default)', l1.bento!), latencyMetric('L1 hit getOrSet — bentocache (serialize: false)', l1.bentoPlain!));

    // ─── L2 hit (L2-only caches), raw GET as the floor ──────────────────────────────────────────
    await oursL2.getOrSet('warm', load);
    await bentoL2.getOrSet({ key: 'warm', factory: load });
    const l2Fns = {
      raw: () => raw.get(rawKey),
      ours: () => oursL2.getOrSet('warm', load),
      bento: () => bentoL2.getOrSet({ key: 'warm', factory: load }),
      rawTimeout: () => rawT.get(rawKey),
    };
    const l2 = await compare('L2 hit', l2Fns, { iterations: n.l2 });
    metrics.push(
      latencyMetric('raw ioredis GET (same value)', l2.raw!),
      latencyMetric('raw ioredis GET, client with commandTimeout', l2.rawTimeout!),
      latencyMetric('L2 hit getOrSet — ours (L2-only)', l2.ours!),
      latencyMetric('L2 hit getOrSet — bentocache (L2-only)', l2.bento!),
    );

    // ─── miss: every call a new key, loader answers at once (the cache's own cost of a miss) ────
    let mo = 0;
    let mb = 0;
    const miss = await compare('miss', { ours: () => ours.getOrSet(`miss:${mo++}`, load), bento: () => bento.getOrSet({ key: `miss:${mb++}`, factory: load }) }, { iterations: n.miss });
    metrics.push(latencyMetric('miss (L1+L2, lock, write, bus) — ours', miss.ours!), latencyMetric('miss (L1+L2, write, bus) — bentocache', miss.bento!));

    // ─── throughput at concurrency 1 and 50 ─────────────────────────────────────────────────────
    const conc: Record<number, Record<string, LatencyStats>> = {};
    const pairedOps: Record<number, { ours: number[]; bento: number[] }> = {};
    for (const c of [1, 50]) {
      const l2cFns = { raw: l2Fns.raw, ours: l2Fns.ours, bento: l2Fns.bento };
      const l2c = await compare(`L2 hit, ${c} concurrent`, l2cFns, { durationMs: n.concMs, concurrency: c });
      pairedOps[c] = { ours: paired(l2cFns, 'ours', 'raw', 'opsPerSec'), bento: paired(l2cFns, 'bento', 'raw', 'opsPerSec') };
      const l1c = await compare(`L1 hit, ${c} concurrent`, { oursL1: () => ours.getOrSet('hot', load), bentoL1: () => bento.getOrSet({ key: 'hot', factory: load }) }, { durationMs: n.concMs / 2, concurrency: c });
      conc[c] = { ...l2c, ...l1c };
      metrics.push(
        rateMetric(`raw GET, ${c} concurrent`, l2c.raw!.opsPerSec),
        rateMetric(`L2 hit getOrSet, ${c} concurrent — ours`, l2c.ours!.opsPerSec),
        rateMetric(`L2 hit getOrSet, ${c} concurrent — bentocache`, l2c.bento!.opsPerSec),
        rateMetric(`L1 hit getOrSet, ${c} concurrent — ours`, l1c.oursL1!.opsPerSec),
        rateMetric(`L1 hit getOrSet, ${c} concurrent — bentocache`, l1c.bentoL1!.opsPerSec),
      );
    }

    // ─── L2 hits over many keys, Zipf-skewed (how real traffic looks), 50 in flight ────────────
    const bytes = superjsonSerializer.encode(makeEntry(row, 3_600_000, 0, [], Date.now()));
    const warmBar = api.progress(`warm ${n.zipfKeys.toLocaleString()} keys`, n.zipfKeys);
    for (let i = 0; i < n.zipfKeys; i += 100) {
      const batch = Array.from({ length: Math.min(100, n.zipfKeys - i) }, (_, j) => i + j);
      await Promise.all(batch.flatMap((k) => [oursL2.getOrSet(`z:${k}`, load), bentoL2.getOrSet({ key: `z:${k}`, factory: load }), raw.set(ctx.keys.key('raw', 'z', k), bytes)]));
      warmBar.increment(batch.length);
    }
    warmBar.stop();
    // Each contender draws the same key sequence (same seed), restarted every round.
    const pick = { raw: zipf(n.zipfKeys, 1, 11), ours: zipf(n.zipfKeys, 1, 11), bento: zipf(n.zipfKeys, 1, 11) };
    const zFns = {
      raw: () => raw.get(ctx.keys.key('raw', 'z', pick.raw.next())),
      ours: () => oursL2.getOrSet(`z:${pick.ours.next()}`, load),
      bento: () => bentoL2.getOrSet({ key: `z:${pick.bento.next()}`, factory: load }),
    };
    const zc = await compare(`L2 hit, ${n.zipfKeys.toLocaleString()} Zipf keys, 50 concurrent`, zFns, { durationMs: n.concMs, concurrency: 50 });
    metrics.push(
      rateMetric(`raw GET, ${n.zipfKeys} Zipf keys, 50 concurrent`, zc.raw!.opsPerSec),
      rateMetric(`L2 hit getOrSet, ${n.zipfKeys} Zipf keys, 50 concurrent — ours`, zc.ours!.opsPerSec),
      rateMetric(`L2 hit getOrSet, ${n.zipfKeys} Zipf keys, 50 concurrent — bentocache`, zc.bento!.opsPerSec),
    );

    // ─── serialization: superjson (types survive) vs JSON (they do not) ─────────────────────────
    const sjEntry = makeEntry(product, 60_000, 0, ['product'], Date.now());
    const jsonEntry = makeEntry(productJson(product), 60_000, 0, ['product'], Date.now());
    const ser = await compare(
      'serializers',
      { sj: () => Promise.resolve(superjsonSerializer.decode(superjsonSerializer.encode(sjEntry))), js: () => Promise.resolve(jsonSerializer.decode(jsonSerializer.encode(jsonEntry))) },
      { iterations: n.l1 / 5 },
    );
    const { sj, js } = ser as { sj: LatencyStats; js: LatencyStats };
    metrics.push(latencyMetric('entry encode+decode — superjson (BigInt, Date kept)', sj), latencyMetric('entry encode+decode — JSON (BigInt as number, Date as string)', js));

    // ─── HTTP: the response-cache middleware vs a bare route ────────────────────────────────────
    const app = express();
    app.disable('x-powered-by');
    app.get('/products', responseCache(ours, { ttl: 3_600_000, namespace: 'http' }), async (_req, res) => {
      res.json({ products: (await repo.products({ limit: 20, offset: 0 })).map(productJson) });
    });
    // Alternating rounds again: bare, cached, bare, cached… (loadAgainstBare runs one pair per round).
    const pairs: Awaited<ReturnType<typeof loadAgainstBare>>[] = [];
    const httpBar = api.progress('HTTP cached vs bare', n.httpRounds);
    for (let r = 0; r < n.httpRounds; r++) {
      pairs.push(await loadAgainstBare(app, { path: '/products?limit=20', duration: n.httpSec, connections: 50 }));
      httpBar.increment();
    }
    httpBar.stop();
    pairs.sort((a, b) => a.ratio - b.ratio);
    const http = pairs[Math.floor(pairs.length / 2)]!;
    const uncached = await loadApp(app, { path: '/products?limit=20', duration: n.httpSec, connections: 50, headers: { 'cache-control': 'no-cache' } });
    metrics.push(
      { name: 'HTTP bare express route', unit: 'ms', p50: http.bare.latency.p50, p99: http.bare.latency.p99, ops: Math.round(http.bare.requestsPerSec) },
      { name: 'HTTP /products with response cache (HIT)', unit: 'ms', p50: http.subject.latency.p50, p99: http.subject.latency.p99, ops: Math.round(http.subject.requestsPerSec) },
      { name: 'HTTP /products uncached (Postgres each time)', unit: 'ms', p50: uncached.latency.p50, p99: uncached.latency.p99, ops: Math.round(uncached.requestsPerSec) },
    );

    // ─── a Redis outage: the service on a private Redis that is stopped mid-run ────────────────
    const priv = await startRedisServer();
    closers.push(() => priv.dispose());
    const pr = createCacheRedis(priv.url);
    const ps = createCacheSubscriber(priv.url);
    closers.push(() => pr.disconnect(), () => ps.disconnect());
    const svc = await createService({ pg: ctx.pg, redis: pr, subscriber: ps, keyBase: ctx.keys.key('outage'), auth: { apiKeys: {}, jwtSecret: new Uint8Array(32) } });
    closers.push(() => svc.close());
    await svc.warm(100);
    const requests = Array.from({ length: 200 }, (_, i) => ({ method: 'GET', path: i % 4 === 3 ? `/products?limit=${5 + (i % 10)}` : `/products/${1 + (i % 150)}` }));
    const before = await loadApp(svc.app, { requests, duration: n.httpSec, connections: 10 });
    await priv.stop();
    const during = await loadApp(svc.app, { requests, duration: n.httpSec, connections: 10 });
    metrics.push(
      { name: 'service requests, Redis up', unit: 'ms', p50: before.latency.p50, p99: before.latency.p99, ops: Math.round(before.requestsPerSec) },
      { name: 'service requests, Redis stopped', unit: 'ms', p50: during.latency.p50, p99: during.latency.p99, ops: Math.round(during.requestsPerSec) },
      { name: 'errors (non-2xx) during the outage', unit: 'requests', value: during.non2xx + during.errors },
    );

    // ─── Redis Cluster: the L2 hit path on a cluster vs one server, then the failover drill ─────
    const cvs = await clusterVsSingle(ctx, {
      what: 'L2 hit getOrSet (L2-only cache)',
      iterations: quick ? 300 : 3000,
      setup: async (redis, keys) => {
        const cache = await createSmartCache({ keyBase: keys.key('cvs'), redis, l1: false, ttl: 3_600_000 }).start();
        closers.push(() => cache.close());
        await cache.set('warm', row);
        return () => cache.getOrSet('warm', load);
      },
    });
    metrics.push(...cvs.metrics);
    const drill = await serviceFailover(ctx);
    metrics.push(...failoverMetrics(drill, 'failover (price change + read)'));
    notes.push(`Cluster: the L2-only getOrSet of one warm key on a private 3-master cluster (one replica each) vs a private single server, alternating calls; then the failover drill of test/failover.test.ts on the service over that cluster (PUT a price, GET it, 4 in flight, while the master of the products' entries is killed): ${describeFailover(drill)}.`);

    // ─── ratios ─────────────────────────────────────────────────────────────────────────────────
    const ratios = [
      ...cvs.ratios,
      ratioOfRounds('ours_l1_hit_p50 / bentocache_l1_hit_p50', paired(l1Fns, 'ours', 'bento', 'p50'), { atMost: 0.5 }, 'bentocache with its default serialize: true (a JSON parse per hit)'),
      ratioOfRounds('ours_l1_hit_p50 / bentocache_no_serialize_l1_hit_p50', paired(l1Fns, 'ours', 'bentoPlain', 'p50'), { atMost: 0.2 }, 'bentocache with serialize: false, as its docs advise for values nobody mutates'),
      ratioOfRounds('ours_l2_hit_p50 / raw_get_p50', paired(l2Fns, 'ours', 'raw', 'p50'), { atMost: 1.1 }, 'one hot key; same-round ratios'),
      ratioOfRounds('bentocache_l2_hit_p50 / raw_get_p50', paired(l2Fns, 'bento', 'raw', 'p50'), undefined, 'the anchor, for comparison'),
      ratioOfRounds('ours_l2_hit_ops_c50 / raw_get_ops_c50', pairedOps[50]!.ours, { atLeast: 0.8 }, 'one hot key (the best case for the bytes memo); same-round ratios'),
      ratioOfRounds('bentocache_l2_hit_ops_c50 / raw_get_ops_c50', pairedOps[50]!.bento, undefined, 'the anchor, for comparison'),
      ratioOfRounds('ours_l2_hit_ops_c50_zipf / raw_get_ops_c50_zipf', paired(zFns, 'ours', 'raw', 'opsPerSec'), { atLeast: 0.9 }, `${n.zipfKeys.toLocaleString()} keys, Zipf(1); same-round ratios`),
      ratioOfRounds('bentocache_l2_hit_ops_c50_zipf / raw_get_ops_c50_zipf', paired(zFns, 'bento', 'raw', 'opsPerSec'), undefined, 'the anchor, for comparison'),
      ratioOfRounds('ours_l2_hit_ops_c1 / raw_get_ops_c1', pairedOps[1]!.ours),
      ratio('ours_l1_hit_ops_c50 / bentocache_l1_hit_ops_c50', conc[50]!.oursL1!.opsPerSec / conc[50]!.bentoL1!.opsPerSec),
      ratio('ours_miss_p50 / bentocache_miss_p50', miss.ours!.p50 / miss.bento!.p50, undefined, 'ours also takes the stampede lock on every miss'),
      ratio('superjson_p50 / json_p50 (encode+decode)', sj.p50 / js.p50),
      ratio('cached_route_rps / bare_route_rps', http.ratio, { atLeast: 0.9 }),
      ratio('cached_route_rps / uncached_route_rps', http.subject.requestsPerSec / uncached.requestsPerSec),
      ratio('outage_request_p99_ms / 50ms', during.latency.p99 / 50, { atMost: 1 }, `p99 ${during.latency.p99} ms with Redis stopped`),
    ];
    notes.push(
      `L1 hits: ${n.l1.toLocaleString()} getOrSet calls on one hot key; L2 hits: ${n.l2.toLocaleString()} calls on L2-only caches (no L1) of one product row; misses: ${n.miss.toLocaleString()} new keys whose loader answers at once.`,
      'bentocache 1.6 runs with memoryDriver (L1), redisDriver (L2) and redisBusDriver on the same Redis; its L2-only store has only redisDriver. Its L1 is measured twice: with its default `serialize: true` (a JSON parse per hit) and with `serialize: false` (values kept as they are, as its docs advise when callers do not mutate them), which is what ours does. Both serialize for L2 (ours: superjson; bentocache: JSON).',
      `L2 over many keys: ${n.zipfKeys.toLocaleString()} keys warmed in each cache (and as raw bytes), read at 50 in flight with a Zipf(1) popularity (the top key ≈ 10 % of reads), each contender drawing the same key sequence; the hot-key rows are the best case for the "same bytes, skip decode" memo, the Zipf rows the realistic one.`,
      `Every comparison alternates its contenders over ${rounds} rounds and reports each one's median round (interleaving spreads any drift in the machine's load over all of them); the L2 ratios to raw GET are the median of the ratios measured in the same round. Throughput rounds last ${n.concMs / 1000} s (L2) and ${n.concMs / 2000} s (L1) at 1 and 50 callers in flight, one Node process, one connection per cache.`,
      'The L2 tier remembers the last bytes it decoded per key: every read still GETs from Redis, identical bytes are not parsed again (superjson costs more CPU than the GET on a hot key).',
      `HTTP: autocannon, 50 connections, ${n.httpSec} s per run, ${n.httpRounds} bare/cached pairs (the median pair is reported); the cached route is express + the response-cache middleware (every request a HIT from L1); "uncached" sends Cache-Control: no-cache (BYPASS → Postgres).`,
      'The library rows have bentocache counterparts; the HTTP and outage rows run this lab\'s service only. bentocache serializes with JSON, so both libraries cache the API\'s JSON-safe product shape here (bentocache cannot cache the BigInt price the service\'s entity cache keeps).',
      `Outage: the full service (product/user API) on a private redis-server, ${n.httpSec} s with Redis up, then ${n.httpSec} s with it stopped (10 connections, 150 product ids + lists; 100 warmed); ${during.non2xx + during.errors} errors during the outage.`,
    );
    return { metrics, ratios, notes };
  } finally {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => {});
  }
}


/** The failover drill (as in test/failover.test.ts, one instance) on the bench's private cluster. */
async function serviceFailover(ctx: LabContext) {
  const { cluster } = await benchTopologies(ctx);
  const [redis, subscriber] = [createCacheRedis(cluster.url), createCacheSubscriber(cluster.url)];
  const keyBase = ctx.keys.key('failover');
  const svc = await createService({ pg: ctx.pg, redis, subscriber, keyBase, auth: { apiKeys: { 'bench-admin': 'admin' }, jwtSecret: new Uint8Array(32) }, warmCount: 0 });
  const http = await listen(svc.app);
  try {
    const keys = keyspace(keyBase);
    const hotKey = keys.data('product', '1');
    const master = (await cluster.masterOf(hotKey)).port;
    const ids: number[] = [];
    for (let id = 1; ids.length < 4 && id <= 200; id++) if ((await cluster.masterOf(keys.data('product', String(id)))).port === master) ids.push(id);
    let price = 10_000;
    const busy = new Set<number>();
    return await runFailoverDrill({
      restartKilled: true,
      cluster,
      key: hotKey,
      request: async (signal) => {
        const id = ids.find((i) => !busy.has(i))!;
        busy.add(id);
        try {
          const put = await fetch(`${http.url}/products/${id}`, { method: 'PUT', headers: { 'x-api-key': 'bench-admin', 'content-type': 'application/json' }, body: JSON.stringify({ priceCents: ++price }), signal });
          if (put.status !== 200) return put;
          await put.arrayBuffer();
          return await fetch(`${http.url}/products/${id}`, { signal });
        } finally {
          busy.delete(id);
        }
      },
    });
  } finally {
    await http.close();
    await svc.close();
    redis.disconnect();
    subscriber.disconnect();
  }
}
