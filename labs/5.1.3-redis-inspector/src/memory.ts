// `memory`: the biggest keys, bytes per prefix, and what INFO memory says about the instance, with a
// warning where a setting will hurt (no maxmemory, noeviction, fragmentation). On a Redis Cluster the
// key walk covers every master, and INFO memory is read from each master: one row per master plus
// their total, since memory limits and fragmentation are per server.
import type { RedisClient } from '../../../shared/redis-client';
import { mastersOf, nodeName } from './nodes';
import { addToSummary, type PrefixRow } from './prefix';
import type { KeyInfo } from './scan';
import { summaryRows } from './summary';
import { clip, colors, formatBytes, formatCount, formatTtl, table, type FormatOptions } from './format';
import { prefixTable } from './keys';
import { num, parseInfo } from './info';
import { positiveInt, walkKeys, type WalkOptions } from './walk';

export interface MemoryInfo {
  used: number;
  peak: number;
  rss: number;
  /** RSS / used. Above ~1.5 memory is lost to fragmentation; below 1 the OS swapped Redis out. */
  fragmentation: number;
  /** 0 = no limit. */
  maxmemory: number;
  policy: string;
  evictedKeys: number;
}

export interface MemoryReport {
  pattern: string;
  matched: number;
  bytes: number;
  noTtl: number;
  /** Biggest first. */
  biggest: KeyInfo[];
  byPrefix: PrefixRow[];
  /** The whole deployment: one server, or the masters of a cluster added up. */
  info: MemoryInfo;
  /** INFO memory of each server walked (one row on a single server). */
  nodes: Array<MemoryInfo & { node: string }>;
  warnings: string[];
}

export interface MemoryOptions extends WalkOptions {
  /** How many of the biggest keys (default 10). */
  top?: number;
  depth?: number;
}

export async function memoryReport(redis: RedisClient, pattern = '*', opts: MemoryOptions = {}): Promise<MemoryReport> {
  const top = positiveInt(opts.top ?? 10, 'top');
  const acc = new Map<string, PrefixRow>();
  let biggest: KeyInfo[] = [];
  let bytes = 0;
  let noTtl = 0;
  const { matched } = await walkKeys(redis, pattern, opts, (infos) => {
    for (const info of infos) {
      addToSummary(acc, info, opts.depth);
      bytes += info.bytes;
      if (info.pttl === -1) noTtl++;
    }
    // a bounded top-N: sort the small list plus this batch, keep N
    biggest = [...biggest, ...infos].sort((a, b) => b.bytes - a.bytes || a.key.localeCompare(b.key)).slice(0, top);
  });
  const nodes = await Promise.all(mastersOf(redis).map(async (m) => ({ node: nodeName(m), ...readMemoryInfo(parseInfo(await m.info())) })));
  const perNode = nodes.map((n) => ({ node: n.node, warnings: memoryWarnings(n, { matched, noTtl }) }));
  return { pattern, matched, bytes, noTtl, biggest, byPrefix: summaryRows(acc), info: totalMemory(nodes), nodes, warnings: mergeWarnings(perNode) };
}

/** The masters' INFO memory added up; a limit or policy that differs between them says so. */
export function totalMemory(nodes: MemoryInfo[]): MemoryInfo {
  if (nodes.length === 1) return { ...nodes[0]! };
  const sum = (f: (m: MemoryInfo) => number) => nodes.reduce((n, m) => n + f(m), 0);
  const used = sum((m) => m.used);
  const policies = [...new Set(nodes.map((m) => m.policy))];
  return {
    used,
    peak: sum((m) => m.peak), // each master's own peak: an upper bound of the cluster's
    rss: sum((m) => m.rss),
    fragmentation: used ? sum((m) => m.rss) / used : 0,
    // One master without a limit is a cluster without one: it grows until its host runs out.
    maxmemory: nodes.some((m) => m.maxmemory === 0) ? 0 : sum((m) => m.maxmemory),
    policy: policies.length === 1 ? policies[0]! : `mixed: ${policies.join(', ')}`,
    evictedKeys: sum((m) => m.evictedKeys),
  };
}

/** Per-master warnings, once with "(every master)" when all masters share it, else named by master. */
export function mergeWarnings(perNode: Array<{ node: string; warnings: string[] }>): string[] {
  if (perNode.length === 1) return perNode[0]!.warnings;
  const out: string[] = [];
  for (const { node, warnings } of perNode) {
    for (const w of warnings) {
      const everywhere = perNode.every((n) => n.warnings.includes(w));
      const line = everywhere ? `${w} (every master)` : `${node}: ${w}`;
      if (!out.includes(line)) out.push(line);
    }
  }
  return out;
}

export function readMemoryInfo(info: Record<string, string>): MemoryInfo {
  return {
    used: num(info, 'used_memory'),
    peak: num(info, 'used_memory_peak'),
    rss: num(info, 'used_memory_rss'),
    fragmentation: num(info, 'mem_fragmentation_ratio'),
    maxmemory: num(info, 'maxmemory'),
    policy: info.maxmemory_policy ?? 'unknown',
    evictedKeys: num(info, 'evicted_keys'),
  };
}

/** Fragmentation only means something once Redis holds real data: a few MB of RSS over 1 MB used is noise. */
const FRAGMENTATION_MIN_USED = 64 * 1024 * 1024;

export function memoryWarnings(m: MemoryInfo, keys: { matched: number; noTtl: number } = { matched: 0, noTtl: 0 }): string[] {
  const w: string[] = [];
  if (m.maxmemory === 0) {
    w.push('no maxmemory: Redis grows until the OS runs out of memory (set maxmemory and a policy)');
  } else {
    const pct = m.used / m.maxmemory;
    if (pct >= 0.9) w.push(`used memory is ${Math.round(pct * 100)} % of maxmemory (${formatBytes(m.maxmemory)})`);
    if (m.policy === 'noeviction') w.push('maxmemory-policy noeviction: when memory is full, writes fail with OOM errors instead of evicting keys');
    if (m.policy.startsWith('volatile-') && keys.matched > 0 && keys.noTtl / keys.matched > 0.5) {
      w.push(`maxmemory-policy ${m.policy} only evicts keys with a TTL, and ${Math.round((keys.noTtl / keys.matched) * 100)} % of the scanned keys have none`);
    }
  }
  if (m.used >= FRAGMENTATION_MIN_USED && m.fragmentation > 1.5) {
    w.push(`high fragmentation (${m.fragmentation.toFixed(2)}): ${formatBytes(m.rss - m.used)} of RSS holds no data (consider activedefrag)`);
  }
  if (m.used >= FRAGMENTATION_MIN_USED && m.fragmentation > 0 && m.fragmentation < 1) {
    w.push(`fragmentation below 1 (${m.fragmentation.toFixed(2)}): part of Redis is swapped out, expect latency spikes`);
  }
  if (m.evictedKeys > 0) w.push(`${formatCount(m.evictedKeys)} keys were evicted since the server started`);
  return w;
}

export function formatMemoryReport(r: MemoryReport, opts: FormatOptions = {}): string {
  const c = colors(opts);
  const big = table(['#', 'key', 'type', 'memory', 'TTL'], { ...opts, align: ['right', 'left', 'left', 'right', 'right'] });
  r.biggest.forEach((k, i) => big.push([i + 1, clip(k.key), k.type, formatBytes(k.bytes), formatTtl(k.pttl)]));
  const m = r.info;
  const cells = (x: MemoryInfo) => [formatBytes(x.used), formatBytes(x.peak), formatBytes(x.rss), x.fragmentation.toFixed(2), x.maxmemory ? formatBytes(x.maxmemory) : c.yellow('none'), x.policy];
  const perNode = r.nodes.length > 1;
  const inst = table([...(perNode ? ['master'] : []), 'used', 'peak', 'rss', 'fragmentation', 'maxmemory', 'policy'], opts);
  if (perNode) {
    for (const n of r.nodes) inst.push([n.node, ...cells(n)]);
    inst.push([c.bold('total'), ...cells(m)]);
  } else {
    inst.push(cells(m));
  }
  return [
    `${formatCount(r.matched)} keys match ${c.cyan(r.pattern)}: ${formatBytes(r.bytes)}, ${formatCount(r.noTtl)} without TTL`,
    c.bold(`biggest ${r.biggest.length}`),
    r.biggest.length ? big.toString() : c.dim('(no keys)'),
    c.bold('by prefix'),
    prefixTable(r.byPrefix, opts),
    c.bold(perNode ? `INFO memory (${r.nodes.length} masters)` : 'INFO memory'),
    inst.toString(),
    ...r.warnings.map((x) => c.yellow(`warning: ${x}`)),
  ].join('\n');
}
