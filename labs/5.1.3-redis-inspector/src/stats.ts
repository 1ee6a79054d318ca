// `stats`: the server's vital signs from INFO. Two samples make a frame: ops/s from the counters'
// deltas (what really happened between the samples) beside Redis's own instantaneous estimate.
import type { Redis } from 'ioredis';
import { colors, formatBytes, formatCount, table, type FormatOptions } from './format';
import { num, parseInfo, parseKeyspace, type DbKeyspace } from './info';

export interface StatsSample {
  /** Client clock when the sample was taken (ms). */
  at: number;
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
}

export async function sampleStats(redis: Redis, now: () => number = Date.now): Promise<StatsSample> {
  const info = parseInfo(await redis.info());
  return {
    at: now(),
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
  return [
    `${c.bold(f.at.slice(11, 19))}  Redis ${f.version}, up ${formatCount(f.uptimeSec)} s, sampled over ${f.intervalMs} ms`,
    main.toString(),
    f.keyspace.length ? ks.toString() : c.dim('(no keys in any database)'),
  ].join('\n');
}
