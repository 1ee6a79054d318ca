// `ttl <pattern>`: which keys expire soonest, and which never will. One SCAN walk per frame with a
// pipelined PTTL per batch (no TYPE or MEMORY USAGE: a live view should stay light).
import type { RedisClient } from '../../../shared/redis-client';
import { ValidationError } from '../../../shared/errors';
import { mastersOf } from './nodes';
import { scanKeys } from './scan';
import { clip, colors, formatCount, formatTtl, table, type FormatOptions } from './format';
import { checkPattern, positiveInt } from './walk';

export interface TtlOptions {
  /** Only list keys expiring within this many ms (default: every key with a TTL). */
  withinMs?: number;
  /** Rows per list (default 20). */
  limit?: number;
  count?: number;
  /** The clock, for "expires at" (tests can inject one). */
  now?: () => number;
}

export interface TtlView {
  pattern: string;
  at: number;
  matched: number;
  /** Soonest first, at most `limit`. */
  expiring: Array<{ key: string; pttl: number; expiresAt: number }>;
  /** Keys with a TTL (within `withinMs` when given). */
  expiringTotal: number;
  /** Keys without TTL, at most `limit` (sorted by name). */
  persistent: string[];
  persistentTotal: number;
}

export async function ttlView(redis: RedisClient, pattern: string, opts: TtlOptions = {}): Promise<TtlView> {
  checkPattern(pattern);
  const limit = positiveInt(opts.limit ?? 20, 'limit');
  if (opts.withinMs !== undefined && !(opts.withinMs > 0)) throw new ValidationError('--within must be a positive number of seconds');
  const now = opts.now ?? Date.now;
  const at = now();
  const expiring: TtlView['expiring'] = [];
  const persistent: string[] = [];
  let matched = 0;
  let expiringTotal = 0;
  let persistentTotal = 0;
  // every master of a cluster in turn (a single server: just it)
  for (const node of mastersOf(redis)) {
    for await (const batch of scanKeys(node, pattern, { count: opts.count })) {
      if (!batch.length) continue;
      const pipe = node.pipeline(); // the master that SCAN found them on
      for (const key of batch) pipe.pttl(key);
      const replies = (await pipe.exec()) ?? [];
      batch.forEach((key, i) => {
        const pttl = Number(replies[i]![1]);
        if (pttl === -2) return;
        matched++;
        if (pttl === -1) {
          persistentTotal++;
          persistent.push(key);
        } else if (opts.withinMs === undefined || pttl <= opts.withinMs) {
          expiringTotal++;
          expiring.push({ key, pttl, expiresAt: at + pttl });
        }
      });
      // keep only the soonest `limit` so a huge keyspace does not pile up in memory
      if (expiring.length > limit * 4) keepSoonest(expiring, limit);
      if (persistent.length > limit * 4) persistent.sort().splice(limit);
    }
  }
  keepSoonest(expiring, limit);
  persistent.sort().splice(limit);
  return { pattern, at, matched, expiring, expiringTotal, persistent, persistentTotal };
}

function keepSoonest(list: TtlView['expiring'], limit: number): void {
  list.sort((a, b) => a.pttl - b.pttl || a.key.localeCompare(b.key)).splice(limit);
}

export function formatTtlView(v: TtlView, opts: FormatOptions = {}): string {
  const c = colors(opts);
  const t = table(['expires in', 'at', 'key'], { ...opts, align: ['right', 'left', 'left'] });
  for (const e of v.expiring) {
    const when = new Date(e.expiresAt).toISOString().slice(11, 19);
    const left = formatTtl(e.pttl);
    t.push([e.pttl < 10_000 ? c.red(left) : e.pttl < 60_000 ? c.yellow(left) : left, when, clip(e.key)]);
  }
  const p = table(['key without TTL'], opts);
  for (const k of v.persistent) p.push([clip(k, 80)]);
  return [
    `${c.bold(new Date(v.at).toISOString().slice(11, 19))}  ${formatCount(v.matched)} keys match ${c.cyan(v.pattern)}: ${formatCount(v.expiringTotal)} expiring, ${formatCount(v.persistentTotal)} without TTL`,
    c.bold('expiring soonest'),
    v.expiring.length ? t.toString() : c.dim('(none)'),
    more(v.expiringTotal, v.expiring.length, c),
    c.bold('without TTL') + (v.persistentTotal ? c.yellow(' (they stay until deleted or evicted)') : ''),
    v.persistent.length ? p.toString() : c.dim('(none)'),
    more(v.persistentTotal, v.persistent.length, c),
  ]
    .filter(Boolean)
    .join('\n');
}

const more = (total: number, shown: number, c: ReturnType<typeof colors>) => (total > shown ? c.dim(`… ${formatCount(total - shown)} more`) : '');
