// Analytics: allowed/denied counts per policy and endpoint (a hash) and top offenders (a sorted set by
// denials). Counts are buffered in memory and flushed in one pipeline every second, so analytics add
// no round trip to a request; /limits/stats flushes this instance's buffer before reading.
// Bounded: the endpoint is the matched route (or one "(no route)"), so the hash has policies × routes
// × 2 fields; the offenders set keeps the top `keepTop`; both keys expire `ttlMs` after the last
// flush; and while Redis is away the in-memory buffer holds at most `maxPending` entries per map.
import type { KeyBuilder } from '../../../shared/keys';
import type { Decision } from './limiter';
import type { RedisClient } from '../../../shared/redis-client';

export interface PolicyCount {
  policy: string;
  endpoint: string;
  allowed: number;
  denied: number;
}

export interface LimitStatsSnapshot {
  counts: PolicyCount[];
  topOffenders: Array<{ subject: string; denied: number }>;
  /** Redis failures seen by THIS instance (they could not be written to Redis, by definition). */
  redisFailures: { failedOpen: number; failedClosed: number };
  /** False when Redis could not be read: only this instance's failure counters are shown. */
  available: boolean;
}

export interface LimitStats {
  record(decision: Decision, endpoint: string): void;
  recordFailure(mode: 'open' | 'closed'): void;
  flush(): Promise<void>;
  read(top?: number): Promise<LimitStatsSnapshot>;
  close(): Promise<void>;
}

const SEP = '\u001f'; // a separator no endpoint or policy name contains

export interface LimitStatsOptions {
  flushEveryMs?: number;
  /** Offenders kept in the sorted set (the rest are trimmed at each flush; default 1000). */
  keepTop?: number;
  /** Both keys expire this long after the last flush (default 7 days). */
  ttlMs?: number;
  /** Most distinct counters buffered in memory between flushes (default 10,000; more are dropped). */
  maxPending?: number;
  /** Longest read() waits for Redis before answering `available: false` (default 600 ms). */
  readTimeoutMs?: number;
}

/** The two analytics keys, under one hash tag: a flush is one pipeline, which a cluster runs on one slot. */
export function statsKeys(keys: KeyBuilder): { countsKey: string; offendersKey: string } {
  return { countsKey: keys.tagged('stats', 'stats', 'counts'), offendersKey: keys.tagged('stats', 'stats', 'offenders') };
}

export function createLimitStats(redis: RedisClient, keys: KeyBuilder, opts: LimitStatsOptions = {}): LimitStats {
  const keepTop = opts.keepTop ?? 1000;
  const ttlMs = opts.ttlMs ?? 7 * 24 * 3600 * 1000;
  const maxPending = opts.maxPending ?? 10_000;
  const readTimeoutMs = opts.readTimeoutMs ?? 600;
  const { countsKey, offendersKey } = statsKeys(keys);
  let counts = new Map<string, number>();
  let offenders = new Map<string, number>();
  const failures = { failedOpen: 0, failedClosed: 0 };
  const bump = (m: Map<string, number>, k: string, n = 1) => {
    const had = m.get(k);
    if (had === undefined && m.size >= maxPending) return; // an outage must not grow the buffer without end
    m.set(k, (had ?? 0) + n);
  };

  const flush = async () => {
    if (!counts.size && !offenders.size) return;
    const [c, o] = [counts, offenders];
    counts = new Map();
    offenders = new Map();
    const p = redis.pipeline();
    for (const [field, n] of c) p.hincrby(countsKey, field, n);
    for (const [member, n] of o) p.zincrby(offendersKey, n, member);
    if (o.size) p.zremrangebyrank(offendersKey, 0, -(keepTop + 1));
    p.pexpire(countsKey, ttlMs);
    p.pexpire(offendersKey, ttlMs);
    try {
      await p.exec();
    } catch (err) {
      // Redis is away: keep the counts for the next flush instead of losing them.
      for (const [k, n] of c) bump(counts, k, n);
      for (const [k, n] of o) bump(offenders, k, n);
      throw err;
    }
  };
  const timer = setInterval(() => void flush().catch(() => {}), opts.flushEveryMs ?? 1000);
  timer.unref();

  return {
    record(decision, endpoint) {
      for (const r of decision.results) {
        if (decision.allowed) bump(counts, r.policy.name + SEP + endpoint + SEP + 'allowed');
        else if (r.limiting) {
          bump(counts, r.policy.name + SEP + endpoint + SEP + 'denied');
          bump(offenders, `${r.policy.name}:${r.subject}`);
        }
      }
    },
    recordFailure(mode) {
      if (mode === 'open') failures.failedOpen++;
      else failures.failedClosed++;
    },
    flush,
    async read(top = 10) {
      let raw: Record<string, string>;
      let ranked: string[];
      try {
        // One bound for the whole read: a stalled Redis answers `available: false` well within 1 s.
        [raw, ranked] = await withDeadline(
          flush().then(() => Promise.all([redis.hgetall(countsKey), redis.zrevrange(offendersKey, 0, top - 1, 'WITHSCORES')])),
          readTimeoutMs,
        );
      } catch {
        return { counts: [], topOffenders: [], redisFailures: { ...failures }, available: false };
      }
      const rows = new Map<string, PolicyCount>();
      for (const [field, n] of Object.entries(raw)) {
        const [policy = '', endpoint = '', kind] = field.split(SEP);
        const id = policy + SEP + endpoint;
        const row = rows.get(id) ?? { policy, endpoint, allowed: 0, denied: 0 };
        if (kind === 'allowed') row.allowed += Number(n);
        else row.denied += Number(n);
        rows.set(id, row);
      }
      const topOffenders: LimitStatsSnapshot['topOffenders'] = [];
      for (let i = 0; i < ranked.length; i += 2) topOffenders.push({ subject: ranked[i]!, denied: Number(ranked[i + 1]) });
      const counted = [...rows.values()].sort((a, b) => a.policy.localeCompare(b.policy) || a.endpoint.localeCompare(b.endpoint));
      return { counts: counted, topOffenders, redisFailures: { ...failures }, available: true };
    },
    async close() {
      clearInterval(timer);
      await flush().catch(() => {});
    },
  };
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  p.catch(() => {}); // if the deadline wins, the late failure is nobody's business
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
