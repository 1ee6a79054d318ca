// Decisions, counted and kept: every request's decision goes to a bounded buffer, flushed every 250 ms
// in one pipeline to a Redis Stream (MAXLEN ~), per-minute aggregates per tier/rule/route/status,
// per-second counts per tier/outcome (the dashboard's rates), and per-minute top consumers and
// near-limit (≥ 80 %) identities, each trimmed to the top N. Redis down: the batch is dropped and
// counted, never retried without bound.
import type { KeyBuilder } from '../../../shared/keys';
import type { RedisClient } from '../../../shared/redis-client';

export type Outcome = 'allowed' | 'shadow' | 'denied' | 'fail-open' | 'fail-closed' | 'circuit-open' | 'fallback';

export interface DecisionEvent {
  at: number;
  requestId: string;
  identity: string;
  keyId: string;
  tier: string;
  rule: string;
  method: string;
  route: string;
  status: number;
  outcome: Outcome;
  cost: number;
  /** Fullest share of any bucket after the request (0..1). */
  usage: number;
}

const BUFFER_MAX = 10_000;
const NEAR_LIMIT = 0.8;

export class Analytics {
  private buffer: DecisionEvent[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** Events dropped because the buffer was full or Redis refused a batch. */
  dropped = 0;
  /** This instance's own per-second counts (the dashboard's fallback while Redis is down). */
  readonly local = new Map<number, Map<string, number>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeyBuilder,
    private readonly opts: { streamMaxLen: number; topN: number },
  ) {}

  /**
   * Every analytics key shares one {hash tag}: a flush is one pipeline over the stream, the aggregates
   * and the top/near sets, and on a Redis Cluster a pipeline (like a script) must stay on one node.
   * One slot takes all analytics writes — one pipeline per instance every 250 ms, not per request.
   */
  private key(kind: string, ...ids: Array<string | number>): string {
    return this.keys.tagged(kind, 'analytics', ...ids);
  }

  start(flushMs = 250): void {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  record(e: DecisionEvent): void {
    const sec = Math.floor(e.at / 1000);
    let counts = this.local.get(sec);
    if (!counts) {
      this.local.set(sec, (counts = new Map()));
      for (const s of this.local.keys()) if (s < sec - 120) this.local.delete(s);
    }
    const field = `${e.tier}|${e.outcome}`;
    counts.set(field, (counts.get(field) ?? 0) + 1);
    if (this.buffer.length >= BUFFER_MAX) {
      this.dropped++;
      return;
    }
    this.buffer.push(e);
  }

  streamKey(): string {
    return this.key('decisions');
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.write(batch)
      .catch(() => void (this.dropped += batch.length))
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(batch: DecisionEvent[]): Promise<void> {
    const p = this.redis.pipeline();
    const minutes = new Set<number>();
    const seconds = new Set<number>();
    for (const e of batch) {
      const minute = Math.floor(e.at / 60_000);
      const second = Math.floor(e.at / 1000);
      minutes.add(minute);
      seconds.add(second);
      p.xadd(this.streamKey(), 'MAXLEN', '~', this.opts.streamMaxLen, '*', 'at', e.at, 'rid', e.requestId, 'id', e.identity, 'key', e.keyId, 'tier', e.tier, 'rule', e.rule, 'm', e.method, 'p', e.route, 'status', e.status, 'o', e.outcome, 'cost', e.cost);
      p.hincrby(this.key('agg', minute), `${e.tier}|${e.rule}|${e.method} ${e.route}|${e.status}`, 1);
      p.hincrby(this.key('rate', second), `${e.tier}|${e.outcome}`, 1);
      p.zincrby(this.key('top', minute), e.cost, e.identity);
      if (e.usage >= NEAR_LIMIT) p.zincrby(this.key('near', minute), 1, e.identity);
    }
    for (const m of minutes) {
      p.expire(this.key('agg', m), 7_200);
      for (const kind of ['top', 'near']) {
        // Bounded: keep the N largest members of each minute.
        p.zremrangebyrank(this.key(kind, m), 0, -(this.opts.topN + 1));
        p.expire(this.key(kind, m), 7_200);
      }
    }
    for (const s of seconds) p.expire(this.key('rate', s), 180);
    const results = await p.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  // ---- reads (dashboard, admin) ------------------------------------------------------------------

  /** Per-second counts `tier|outcome` → n for the given seconds, all instances together. */
  async rates(seconds: number[]): Promise<Array<{ second: number; counts: Record<string, number> }>> {
    const p = this.redis.pipeline();
    for (const s of seconds) p.hgetall(this.key('rate', s));
    const results = (await p.exec()) ?? [];
    return seconds.map((second, i) => ({ second, counts: numbers((results[i]?.[1] ?? {}) as Record<string, string>) }));
  }

  /** This instance's own counts for a second (no Redis). */
  localRate(second: number): Record<string, number> {
    return Object.fromEntries(this.local.get(second) ?? []);
  }

  async top(kind: 'top' | 'near', minute: number, n = 10): Promise<Array<{ identity: string; value: number }>> {
    const flat = await this.redis.zrevrange(this.key(kind, minute), 0, n - 1, 'WITHSCORES');
    const out: Array<{ identity: string; value: number }> = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ identity: flat[i]!, value: Number(flat[i + 1]) });
    return out;
  }

  async aggregates(minute: number): Promise<Array<{ tier: string; rule: string; route: string; status: number; count: number }>> {
    const h = await this.redis.hgetall(this.key('agg', minute));
    return Object.entries(h).map(([f, n]) => {
      const [tier = '', rule = '', route = '', status = '0'] = f.split('|');
      return { tier, rule, route, status: Number(status), count: Number(n) };
    });
  }

  /** Decisions from the stream since `sinceMs` (at most `max`), oldest first: the dry-run's input. */
  async events(sinceMs: number, max = 50_000): Promise<DecisionEvent[]> {
    const rows = await this.redis.xrange(this.streamKey(), `${sinceMs}-0`, '+', 'COUNT', max);
    return rows.map(([, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return { at: Number(f.at), requestId: f.rid ?? '', identity: f.id ?? '', keyId: f.key ?? '', tier: f.tier ?? '', rule: f.rule ?? '', method: f.m ?? 'GET', route: f.p ?? '', status: Number(f.status), outcome: (f.o ?? 'allowed') as Outcome, cost: Number(f.cost ?? 1), usage: 0 };
    });
  }
}

function numbers(h: Record<string, string>): Record<string, number> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
}
