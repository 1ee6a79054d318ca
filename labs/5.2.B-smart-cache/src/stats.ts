// Counters in plain Maps (an L1 hit must stay sub-microsecond), read by prom-client only when
// /metrics is scraped (collect()). Latency histograms are kept for the paths that do I/O.
import client from 'prom-client';

export type Tier = 'l1' | 'l2';
export type TimedOp = 'l2_get' | 'l2_set' | 'loader' | 'lock_wait';

export interface StatsSnapshot {
  tiers: Record<Tier, { hits: number; misses: number; hitRate: number }>;
  namespaces: Record<string, { hits: Record<Tier, number>; misses: Record<Tier, number>; loaderCalls: number; loaderErrors: number; staleServes: number }>;
  loaderCalls: number;
  loaderErrors: number;
  staleServes: number;
  errors: Record<string, number>;
  latencyMs: Record<string, { count: number; mean: number; max: number }>;
  breaker: string;
}

type NsCounters = { hits: Record<Tier, number>; misses: Record<Tier, number>; loaderCalls: number; loaderErrors: number; staleServes: number };
const BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class CacheStats {
  private readonly ns = new Map<string, NsCounters>();
  private readonly errors = new Map<string, number>();
  /** Per operation: bucket counts (not cumulative; the last one is +Inf), count, sum and max in ms. */
  private readonly timings = new Map<string, { buckets: Float64Array; count: number; sum: number; max: number }>();
  readonly registry: client.Registry;

  constructor(opts: { registry?: client.Registry; breakerState?: () => string; prefix?: string } = {}) {
    this.registry = opts.registry ?? new client.Registry();
    const p = opts.prefix ?? 'smart_cache';
    const stats = this;
    const counter = (name: string, help: string, labelNames: string[], read: (set: (labels: Record<string, string>, v: number) => void) => void) =>
      new client.Counter({
        name: `${p}_${name}`,
        help,
        labelNames,
        registers: [this.registry],
        collect() {
          this.reset();
          read((labels, v) => this.inc(labels, v));
        },
      });
    counter('hits_total', 'Cache hits by tier and namespace', ['tier', 'namespace'], (set) => stats.eachNs((n, c) => (['l1', 'l2'] as const).forEach((t) => set({ tier: t, namespace: n }, c.hits[t]))));
    counter('misses_total', 'Cache misses by tier and namespace', ['tier', 'namespace'], (set) => stats.eachNs((n, c) => (['l1', 'l2'] as const).forEach((t) => set({ tier: t, namespace: n }, c.misses[t]))));
    counter('loader_calls_total', 'Loader (database) calls by namespace', ['namespace'], (set) => stats.eachNs((n, c) => set({ namespace: n }, c.loaderCalls)));
    counter('loader_errors_total', 'Loader failures by namespace', ['namespace'], (set) => stats.eachNs((n, c) => set({ namespace: n }, c.loaderErrors)));
    counter('stale_serves_total', 'Stale values served (grace) by namespace', ['namespace'], (set) => stats.eachNs((n, c) => set({ namespace: n }, c.staleServes)));
    counter('errors_total', 'Cache-internal failures (Redis, serialization) by operation', ['op'], (set) => stats.errors.forEach((v, op) => set({ op }, v)));
    new client.Gauge({
      name: `${p}_breaker_open`,
      help: '1 while the Redis breaker is open',
      registers: [this.registry],
      collect() {
        this.set(opts.breakerState?.() === 'open' ? 1 : 0);
      },
    });
    // A histogram prom-client renders but this class fills: prom-client's own observe() validates and
    // hashes the labels on every call, which costs more than the rest of an L2 hit's bookkeeping.
    const name = `${p}_operation_duration_seconds`;
    const histogram = {
      name,
      help: 'Latency of L2 reads/writes, loader calls and lock waits',
      type: 'histogram' as const,
      aggregator: 'sum' as const,
      get: async () => ({ name, help: histogram.help, type: histogram.type, aggregator: histogram.aggregator, values: stats.histogramValues(name) }),
      reset: () => {},
    };
    this.registry.registerMetric(histogram as unknown as client.Metric);
    this.breakerState = opts.breakerState ?? (() => 'none');
  }

  private readonly breakerState: () => string;

  private counters(ns: string): NsCounters {
    let c = this.ns.get(ns);
    if (!c) {
      c = { hits: { l1: 0, l2: 0 }, misses: { l1: 0, l2: 0 }, loaderCalls: 0, loaderErrors: 0, staleServes: 0 };
      this.ns.set(ns, c);
    }
    return c;
  }

  private eachNs(fn: (ns: string, c: NsCounters) => void): void {
    this.ns.forEach((c, n) => fn(n, c));
  }

  hit(tier: Tier, ns: string): void {
    this.counters(ns).hits[tier]++;
  }
  miss(tier: Tier, ns: string): void {
    this.counters(ns).misses[tier]++;
  }
  loaderCall(ns: string): void {
    this.counters(ns).loaderCalls++;
  }
  loaderError(ns: string): void {
    this.counters(ns).loaderErrors++;
  }
  stale(ns: string): void {
    this.counters(ns).staleServes++;
  }
  error(op: string): void {
    this.errors.set(op, (this.errors.get(op) ?? 0) + 1);
  }

  /** Records the time since `t0` (a performance.now() reading). */
  observe(op: TimedOp, t0: number): void {
    const ms = performance.now() - t0;
    let t = this.timings.get(op);
    if (!t) this.timings.set(op, (t = { buckets: new Float64Array(BUCKETS.length + 1), count: 0, sum: 0, max: 0 }));
    const sec = ms / 1000;
    let i = 0;
    while (i < BUCKETS.length && sec > BUCKETS[i]!) i++;
    t.buckets[i]!++;
    t.count++;
    t.sum += ms;
    if (ms > t.max) t.max = ms;
  }

  private histogramValues(name: string) {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    this.timings.forEach((t, op) => {
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += t.buckets[i]!;
        values.push({ labels: { op, le }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { op, le: '+Inf' }, value: t.count, metricName: `${name}_bucket` });
      values.push({ labels: { op }, value: t.sum / 1000, metricName: `${name}_sum` });
      values.push({ labels: { op }, value: t.count, metricName: `${name}_count` });
    });
    return values;
  }

  snapshot(): StatsSnapshot {
    const tiers = { l1: { hits: 0, misses: 0, hitRate: 0 }, l2: { hits: 0, misses: 0, hitRate: 0 } };
    let loaderCalls = 0;
    let loaderErrors = 0;
    let staleServes = 0;
    const namespaces: StatsSnapshot['namespaces'] = {};
    this.eachNs((n, c) => {
      namespaces[n] = { hits: { ...c.hits }, misses: { ...c.misses }, loaderCalls: c.loaderCalls, loaderErrors: c.loaderErrors, staleServes: c.staleServes };
      for (const t of ['l1', 'l2'] as const) {
        tiers[t].hits += c.hits[t];
        tiers[t].misses += c.misses[t];
      }
      loaderCalls += c.loaderCalls;
      loaderErrors += c.loaderErrors;
      staleServes += c.staleServes;
    });
    for (const t of Object.values(tiers)) t.hitRate = t.hits + t.misses ? Math.round((t.hits / (t.hits + t.misses)) * 1000) / 1000 : 0;
    const latencyMs: StatsSnapshot['latencyMs'] = {};
    this.timings.forEach((t, op) => (latencyMs[op] = { count: t.count, mean: Math.round((t.sum / t.count) * 1000) / 1000, max: Math.round(t.max * 1000) / 1000 }));
    return { tiers, namespaces, loaderCalls, loaderErrors, staleServes, errors: Object.fromEntries(this.errors), latencyMs, breaker: this.breakerState() };
  }
}
