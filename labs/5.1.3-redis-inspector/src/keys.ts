// `keys <pattern>`: every matching key with its type, TTL and size, and totals per prefix.
import type { RedisClient } from '../../../shared/redis-client';
import { addToSummary, type PrefixRow } from './prefix';
import type { KeyInfo } from './scan';
import { summaryRows } from './summary';
import { clip, colors, formatBytes, formatCount, formatTtl, table, type FormatOptions } from './format';
import { walkKeys, type WalkOptions } from './walk';

export interface KeysOptions extends WalkOptions {
  /** How many keys to list one by one (default 50; the summary always covers every key). */
  limit?: number;
  /** Group by the first N segments instead of "all but the last". */
  depth?: number;
}

export interface KeysReport {
  pattern: string;
  matched: number;
  /** DBSIZE when the walk began. */
  total: number;
  bytes: number;
  noTtl: number;
  /** Up to `limit` keys, sorted by name. */
  keys: KeyInfo[];
  truncated: boolean;
  summary: PrefixRow[];
  /** Servers walked: 1, or every master of a cluster. */
  masters: number;
}

export async function keysReport(redis: RedisClient, pattern: string, opts: KeysOptions = {}): Promise<KeysReport> {
  const limit = opts.limit ?? 50;
  const acc = new Map<string, PrefixRow>();
  const listed: KeyInfo[] = [];
  let bytes = 0;
  let noTtl = 0;
  const { matched, total, masters } = await walkKeys(redis, pattern, opts, (infos) => {
    for (const info of infos) {
      addToSummary(acc, info, opts.depth);
      bytes += info.bytes;
      if (info.pttl === -1) noTtl++;
      if (listed.length < limit) listed.push(info);
    }
  });
  listed.sort((a, b) => a.key.localeCompare(b.key));
  return { pattern, matched, total, bytes, noTtl, keys: listed, truncated: matched > listed.length, summary: summaryRows(acc), masters };
}

export function formatKeysReport(r: KeysReport, opts: FormatOptions = {}): string {
  const c = colors(opts);
  const keys = table(['key', 'type', 'TTL', 'memory'], { ...opts, align: ['left', 'left', 'right', 'right'] });
  for (const k of r.keys) keys.push([clip(k.key), k.type, k.pttl === -1 ? c.yellow('no TTL') : formatTtl(k.pttl), formatBytes(k.bytes)]);
  const groups = prefixTable(r.summary, opts);
  const head = `${c.bold(formatCount(r.matched))} keys match ${c.cyan(r.pattern)} (of ${formatCount(r.total)} in the database${r.masters > 1 ? `, over ${r.masters} masters` : ''}), ${formatBytes(r.bytes)}, ${formatCount(r.noTtl)} without TTL`;
  return [
    head,
    r.keys.length ? keys.toString() : c.dim('(no keys)'),
    r.truncated ? c.dim(`… ${formatCount(r.matched - r.keys.length)} more (raise --limit to list them)`) : '',
    c.bold('by prefix'),
    groups,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The per-prefix table `keys` and `memory` both print. */
export function prefixTable(rows: PrefixRow[], opts: FormatOptions = {}, max = 20): string {
  const c = colors(opts);
  const t = table(['prefix', 'keys', 'memory', 'no TTL', 'types'], { ...opts, align: ['left', 'right', 'right', 'right', 'left'] });
  for (const row of rows.slice(0, max)) {
    const types = Object.entries(row.types)
      .map(([type, n]) => `${type} ${n}`)
      .join(', ');
    t.push([clip(row.prefix), formatCount(row.count), formatBytes(row.bytes), row.noTtl ? c.yellow(formatCount(row.noTtl)) : '0', types]);
  }
  const more = rows.length > max ? `\n${c.dim(`… ${rows.length - max} more prefixes`)}` : '';
  return rows.length ? t.toString() + more : c.dim('(no keys)');
}
