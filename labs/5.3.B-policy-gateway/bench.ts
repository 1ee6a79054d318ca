// `npm run bench 5.3.B`: (1) what limiting + breaking cost: the gateway against the same
// http-proxy-middleware proxy without limiter and breaker (the yardstick), alternating rounds in one
// run, same downstream process, same load; (2) hot-reload latency: an admin write on instance A until
// instance B enforces the new version, p99 over 50 changes.
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { LatencyRecorder } from '../../harness/latency';
import { loadUrl, type LoadResult } from '../../harness/load';
import { rateMetric, ratio } from '../../harness/report';
import { listen } from '../../shared/http';
import { demoRoutes } from './src/config';
import { startDownstreams } from './src/downstream';
import { startInstance } from './src/instance';
import type { Snapshot } from './src/policy';
import { PolicyStore } from './src/store';

const ADMIN = 'bench-admin-key-0123456789abcdef';

export async function runBench({ ctx, quick, progress }: BenchApi): Promise<BenchResult> {
  const duration = quick ? 3 : 8;
  const rounds = quick ? 2 : 3;
  const changes = 50;
  const [search, ...rest] = await startDownstreams(['search', 'orders', 'payments']);
  const downstreams = [search!, ...rest];
  const store = new PolicyStore(ctx.pg);
  await store.migrate();
  const huge = 1_000_000_000; // nothing is ever denied: we measure the decision, not the rejection
  await store.seedDefaults([{ name: 'anonymous', limits: [{ window: 'second', limit: huge }], failMode: 'open', upgradeHint: '' }, { name: 'pro', limits: [{ window: 'second', limit: huge }, { window: 'minute', limit: huge }, { window: 'day', limit: huge }], failMode: 'open', upgradeHint: '' }], [{ id: 'search', method: 'GET', route: '/search', cost: 1, limits: [{ window: 'second', limit: huge }], shadow: false }]);
  const spec = {
    redisUrl: ctx.services.redis.url,
    postgresUrl: ctx.services.postgres.url,
    schema: ctx.schema,
    prefix: ctx.prefix,
    config: { downstreams: downstreams.map((d) => ({ name: d.name, url: d.url })), routes: demoRoutes(), adminKey: ADMIN, logSampleRate: 0 },
  };
  const quiet = ctx.log.child({}, { level: 'warn' });
  const a = await startInstance(spec, quiet);
  const b = await startInstance(spec, quiet);
  const { key } = await a.gateway.store.createKey('bench', { tenant: 'bench', tier: 'pro' });
  await waitUntil(() => b.gateway.watcher.current.keysByHash.size > 0 && a.gateway.watcher.current.keysByHash.size > 0);

  const bare = express();
  bare.get('/search', createProxyMiddleware({ target: search!.url }));
  const yardstick = await listen(bare);
  try {
    // (1) alternating rounds; each side keeps its best round (a neighbour's CPU burst does not decide).
    const best: Record<'yardstick' | 'gateway', LoadResult | undefined> = { yardstick: undefined, gateway: undefined };
    const bar = progress('gateway vs bare proxy', rounds * 2);
    for (let r = 0; r < rounds; r++) {
      for (const side of ['yardstick', 'gateway'] as const) {
        const url = side === 'gateway' ? a.url : yardstick.url;
        const res = await loadUrl(url, { path: '/search?q=bench', headers: { 'x-api-key': key }, duration, connections: 50 });
        if (!best[side] || res.requestsPerSec > best[side]!.requestsPerSec) best[side] = res;
        bar.increment();
      }
    }
    bar.stop();
    const y = best.yardstick!;
    const g = best.gateway!;

    // (2) hot reload: A writes, B's watcher emits 'change' for that version.
    const reload = new LatencyRecorder();
    const bar2 = progress('hot reload A → B', changes);
    for (let i = 0; i < changes; i++) {
      const limit = huge - i - 1;
      const seen = new Promise<void>((resolve) => {
        const on = (s: Snapshot) => {
          if (s.tiers.get('pro')?.limits[0]?.limit === limit) {
            b.gateway.watcher.off('change', on);
            resolve();
          }
        };
        b.gateway.watcher.on('change', on);
      });
      const t0 = performance.now();
      await a.gateway.store.putTier('bench', { name: 'pro', limits: [{ window: 'second', limit }], failMode: 'open', upgradeHint: '' });
      await seen;
      reload.recordNanos(Math.round((performance.now() - t0) * 1e6));
      bar2.increment();
    }
    bar2.stop();
    const rl = reload.stats();
    const costShare = 1 - g.requestsPerSec / y.requestsPerSec;
    const p99Added = g.latency.p99 - y.latency.p99;
    return {
      metrics: [
        { name: 'bare proxy (http-proxy-middleware)', unit: 'ms', p50: y.latency.p50, p99: y.latency.p99, ops: Math.round(y.requestsPerSec) },
        { name: 'gateway (identity, 4 limits in one Lua call, breaker, analytics)', unit: 'ms', p50: g.latency.p50, p99: g.latency.p99, ops: Math.round(g.requestsPerSec) },
        { name: 'hot reload: write on A → enforced on B', unit: 'µs', p50: rl.p50, p90: rl.p90, p99: rl.p99, max: rl.max },
        rateMetric('gateway non-2xx during load', g.non2xx, 'responses'),
      ],
      ratios: [
        ratio('limiter_and_breaker_cost (1 − gateway ÷ bare req/s)', costShare, { atMost: 0.15 }),
        ratio('p99_added_ms', p99Added, { atMost: 1 }),
        ratio('hot_reload_p99_ms', rl.p99 / 1000, { atMost: 1000 }),
      ],
      notes: [
        `Load: autocannon from a separate process, 50 connections, ${duration} s per round, ${rounds} alternating rounds per side, best round kept; GET /search through each to one downstream process (a small JSON echo).`,
        'The gateway path per request: X-Request-Id, API key → tier (in memory), the most specific rule, 4 token buckets (pro second/minute/day + the search rule) in one EVALSHA, RateLimit fields, the shared breaker\'s admission (local view while fresh), the proxy, and an analytics event batched every 250 ms. The yardstick: the same proxy library, nothing else.',
        `Hot reload: ${changes} tier changes committed through instance A's store; measured until instance B (same process, its own Redis and Postgres connections) swapped to the snapshot carrying the change (pub/sub push, then a Postgres read of the whole policy set).`,
      ],
    };
  } finally {
    await yardstick.close();
    await a.close();
    await b.close();
    await Promise.all(downstreams.map((d) => d.stop()));
  }
}

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}
