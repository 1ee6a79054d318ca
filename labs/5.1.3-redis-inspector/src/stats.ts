// `stats`: the server's vital signs from INFO. Two samples make a frame: ops/s from the counters'
// deltas (what really happened between the samples) beside Redis's own instantaneous estimate.
// On a Redis Cluster every master is sampled: the frame shows the cluster's totals (what it does) and
// one row per master (where it happens: a hot slot shows as one busy master).
import type { Redis } from 'ioredis';
import type { RedisClient } from '../../../shared/redis-client';
import { mastersOf, nodeName } from './nodes';
import { colors, formatBytes, formatCount, table, type FormatOptions } from './format';
import { num, parseInfo, parseKeyspace, type DbKeyspace } from './info';

/** One server's counters in a sample. */
export interface NodeSample {
  node: string;
  clients: number;
  opsInstant: number;
  totalCommands: number;
  usedMemory: number;
  keys: number;
}

export interface StatsSample {
  /** Client clock when the sample was taken (ms). */
  at: number;
  /** Per server (one on a single server, every master of a cluster); the fields below add them up. */
  nodes: NodeSample[];
  version: string;
  uptimeSec: number;
  clients: number;
  blockedClients: number;
  opsInstant: number;
  totalCommands: number;
  hits: number;
  misses: number;
  evicted: number;
  expired: number;
  usedMemory: number;
  keyspace: DbKeyspace[];
}

export interface StatsFrame {
  at: string;
  version: string;
  uptimeSec: number;
  clients: number;
  blockedClients: number;
  /** INFO instantaneous_ops_per_sec (Redis's own rolling estimate). */
  opsPerSecInstant: number;
  /** Commands processed between the two samples / seconds between them. */
  opsPerSecDelta: number;
  /** Hits / (hits + misses) between the samples; null when there were no reads. */
  hitRatio: number | null;
  /** The same since the server started (or since CONFIG RESETSTAT). */
  hitRatioTotal: number | null;
  hitsDelta: number;
  missesDelta: number;
  evictedTotal: number;
  evictedDelta: number;
  expiredDelta: number;
  usedMemory: number;
  keyspace: DbKeyspace[];
  intervalMs: number;
  /** Per master on a cluster (one row on a single server): keys, ops/s between the samples, memory. */
  nodes: Array<{ node: string; clients: number; keys: number; opsPerSecDelta: number; usedMemory: number }>;
}

/** INFO from every master (at once), added up: a cluster's counters are its masters' sums. */
export async function sampleStats(redis: RedisClient, now: () => number = Date.now): Promise<StatsSample> {
  const masters = mastersOf(redis);
  const infos = await Promise.all(masters.map(async (m: Redis) => parseInfo(await m.info())));
  const at = now();
  const parts = infos.map(readSample);
  const sum = (f: (s: Omit<StatsSample, 'at' | 'nodes'>) => number) => parts.reduce((n, s) => n + f(s), 0);
  return {
    at,
    nodes: parts.map((s, i) => ({
      node: nodeName(masters[i]!),
      clients: s.clients,
      opsInstant: s.opsInstant,
      totalCommands: s.totalCommands,
      usedMemory: s.usedMemory,
      keys: s.keyspace.reduce((n, d) => n + d.keys, 0),
    })),
    version: [...new Set(parts.map((s) => s.version))].join(', '),
    uptimeSec: Math.min(...parts.map((s) => s.uptimeSec)),
    clients: sum((s) => s.clients),
    blockedClients: sum((s) => s.blockedClients),
    opsInstant: sum((s) => s.opsInstant),
    totalCommands: sum((s) => s.totalCommands),
    hits: sum((s) => s.hits),
    misses: sum((s) => s.misses),
    evicted: sum((s) => s.evicted),
    expired: sum((s) => s.expired),
    usedMemory: sum((s) => s.usedMemory),
    keyspace: mergeKeyspace(parts.map((s) => s.keyspace)),
  };
}

/** Keyspace lines of several servers, per db (a cluster has only db0): keys and expires add up. */
function mergeKeyspace(lists: DbKeyspace[][]): DbKeyspace[] {
  if (lists.length === 1) return lists[0]!;
  const byDb = new Map<number, DbKeyspace & { ttlWeight: number }>();
  for (const d of lists.flat()) {
    const cur = byDb.get(d.db) ?? { db: d.db, keys: 0, expires: 0, avgTtl: 0, ttlWeight: 0 };
    cur.keys += d.keys;
    cur.expires += d.expires;
    cur.ttlWeight += d.avgTtl * d.expires; // avg TTL weighted by the keys that have one
    cur.avgTtl = cur.expires ? Math.round(cur.ttlWeight / cur.expires) : 0;
    byDb.set(d.db, cur);
  }
  return [...byDb.values()].map(({ ttlWeight: _, ...d }) => d).sort((a, b) => a.db - b.db);
}

function readSample(info: Record<string, string>): Omit<StatsSample, 'at' | 'nodes'> {
  return {
    version: info.redis_version ?? '?',
    uptimeSec: num(info, 'uptime_in_seconds'),
    clients: num(info, 'connected_clients'),
    blockedClients: num(info, 'blocked_clients'),
    opsInstant: num(info, 'instantaneous_ops_per_sec'),
    totalCommands: num(info, 'total_commands_processed'),
    hits: num(info, 'keyspace_hits'),
    misses: num(info, 'keyspace_misses'),
    evicted: num(info, 'evicted_keys'),
    expired: num(info, 'expired_keys'),
    usedMemory: num(info, 'used_memory'),
    keyspace: parseKeyspace(info),
  };
}

const ratioOf = (hits: number, misses: number) => (hits + misses > 0 ? hits / (hits + misses) : null);

export function statsFrame(prev: StatsSample, cur: StatsSample): StatsFrame {
  const intervalMs = Math.max(1, cur.at - prev.at);
  const hitsDelta = cur.hits - prev.hits;
  const missesDelta = cur.misses - prev.misses;
  return {
    at: new Date(cur.at).toISOString(),
    version: cur.version,
    uptimeSec: cur.uptimeSec,
    clients: cur.clients,
    blockedClients: cur.blockedClients,
    opsPerSecInstant: cur.opsInstant,
    opsPerSecDelta: Math.round(((cur.totalCommands - prev.totalCommands) * 1000) / intervalMs),
    hitRatio: ratioOf(hitsDelta, missesDelta),
    hitRatioTotal: ratioOf(cur.hits, cur.misses),
    hitsDelta,
    missesDelta,
    evictedTotal: cur.evicted,
    evictedDelta: cur.evicted - prev.evicted,
    expiredDelta: cur.expired - prev.expired,
    usedMemory: cur.usedMemory,
    keyspace: cur.keyspace,
    intervalMs,
    nodes: cur.nodes.map((n) => {
      const before = prev.nodes.find((p) => p.node === n.node);
      const ops = before ? Math.round(((n.totalCommands - before.totalCommands) * 1000) / intervalMs) : n.opsInstant;
      return { node: n.node, clients: n.clients, keys: n.keys, opsPerSecDelta: ops, usedMemory: n.usedMemory };
    }),
  };
}

const pct = (r: number | null) => (r === null ? '–' : `${(r * 100).toFixed(1)} %`);

export function formatStats(f: StatsFrame, opts: FormatOptions = {}): string {
  const c = colors(opts);
  const main = table(['clients', 'ops/s (delta)', 'ops/s (INFO)', 'hit ratio', 'hit ratio (total)', 'evicted', 'expired', 'memory'], opts);
  main.push([
    f.blockedClients ? `${f.clients} (${f.blockedClients} blocked)` : String(f.clients),
    formatCount(f.opsPerSecDelta),
    formatCount(f.opsPerSecInstant),
    pct(f.hitRatio),
    pct(f.hitRatioTotal),
    f.evictedDelta ? c.yellow(`+${formatCount(f.evictedDelta)}`) : formatCount(f.evictedTotal),
    `+${formatCount(f.expiredDelta)}`,
    formatBytes(f.usedMemory),
  ]);
  const ks = table(['db', 'keys', 'with TTL', 'avg TTL'], { ...opts, align: ['left', 'right', 'right', 'right'] });
  for (const d of f.keyspace) ks.push([`db${d.db}`, formatCount(d.keys), formatCount(d.expires), d.avgTtl ? `${Math.round(d.avgTtl / 1000)} s` : '–']);
  const perNode = table(['master', 'clients', 'keys', 'ops/s', 'memory'], { ...opts, align: ['left', 'right', 'right', 'right', 'right'] });
  for (const n of f.nodes) perNode.push([n.node, formatCount(n.clients), formatCount(n.keys), formatCount(n.opsPerSecDelta), formatBytes(n.usedMemory)]);
  const cluster = f.nodes.length > 1;
  return [
    `${c.bold(f.at.slice(11, 19))}  Redis ${f.version}${cluster ? `, a cluster of ${f.nodes.length} masters (totals, then per master)` : ''}, up ${formatCount(f.uptimeSec)} s, sampled over ${f.intervalMs} ms`,
    main.toString(),
    ...(cluster ? [perNode.toString()] : []),
    f.keyspace.length ? ks.toString() : c.dim('(no keys in any database)'),
  ].join('\n');
}
