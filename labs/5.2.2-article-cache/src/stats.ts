// Hit/miss counters per namespace. Counting must not cost the hot path a round trip, so each process
// counts in memory and flushes the deltas every second with one pipeline of HINCRBYs into a shared
// hash; /cache/stats flushes first and reads the hash, so it shows every process's counts.
import type { RedisClient } from '../../../shared/redis-client';

export const STAT_FIELDS = ['hits', 'l1_hits', 'misses', 'errors', 'evictions'] as const;
export type StatField = (typeof STAT_FIELDS)[number];

export interface NamespaceStats {
  hits: number;
  l1Hits: number;
  misses: number;
  errors: number;
  evictions: number;
  /** (Redis hits + L1 hits) / lookups; null before the first lookup. */
  hitRatio: number | null;
}

export interface StatsReport {
  /** `redis`: every process's counts from the shared hash; `local`: Redis is unreachable, this process only. */
  source: 'redis' | 'local';
  namespaces: Record<string, NamespaceStats>;
  total: NamespaceStats;
}

type Counts = Map<string, number>; // "<namespace>:<field>" → n

export class CacheStats {
  private pending: Counts = new Map();
  private readonly local: Counts = new Map();
  private readonly timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisClient | null,
    private readonly hashKey: string,
    flushEveryMs = 1_000,
  ) {
    if (redis && flushEveryMs > 0) this.timer = setInterval(() => void this.flush(), flushEveryMs).unref();
  }

  record(ns: string, field: StatField, n = 1): void {
    const f = `${ns}:${field}`;
    this.pending.set(f, (this.pending.get(f) ?? 0) + n);
    this.local.set(f, (this.local.get(f) ?? 0) + n);
  }

  /** Sends the pending deltas; if Redis is unreachable they are kept for the next flush. */
  async flush(): Promise<void> {
    if (!this.redis || this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      const p = this.redis.pipeline();
      for (const [field, n] of batch) p.hincrby(this.hashKey, field, n);
      const results = await p.exec();
      if (results?.some(([err]) => err)) throw new Error('HINCRBY failed');
    } catch {
      for (const [field, n] of batch) this.pending.set(field, (this.pending.get(field) ?? 0) + n);
    }
  }

  async report(): Promise<StatsReport> {
    if (this.redis) {
      try {
        await this.flush();
        if (this.pending.size === 0) {
          const hash = await this.redis.hgetall(this.hashKey);
          return summarize('redis', new Map(Object.entries(hash).map(([k, v]) => [k, Number(v)])));
        }
      } catch {
        // fall through to this process's own counts
      }
    }
    return summarize('local', this.local);
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    return this.flush();
  }
}

function summarize(source: StatsReport['source'], counts: Counts): StatsReport {
  const namespaces: Record<string, NamespaceStats> = {};
  const total = empty();
  for (const [key, n] of counts) {
    const cut = key.lastIndexOf(':');
    const ns = key.slice(0, cut);
    const field = key.slice(cut + 1) as StatField;
    if (!STAT_FIELDS.includes(field)) continue;
    const s = (namespaces[ns] ??= empty());
    const prop = field === 'l1_hits' ? 'l1Hits' : field;
    s[prop] += n;
    total[prop] += n;
  }
  for (const s of [...Object.values(namespaces), total]) {
    const lookups = s.hits + s.l1Hits + s.misses;
    s.hitRatio = lookups ? Math.round(((s.hits + s.l1Hits) / lookups) * 1000) / 1000 : null;
  }
  return { source, namespaces, total };
}

function empty(): NamespaceStats {
  return { hits: 0, l1Hits: 0, misses: 0, errors: 0, evictions: 0, hitRatio: null };
}
