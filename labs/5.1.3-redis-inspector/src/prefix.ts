// Exercise 2: group keys by prefix. A keyspace is usually a few "tables" (`user:*`, `session:*`,
// `cache:page:*`); counting keys, bytes and keys without TTL per prefix shows at a glance which one
// grows, which one eats memory and which one forgot its expiry.
import type { KeyInfo } from './scan';

export interface PrefixRow {
  /** The group, e.g. `session:*` or `user:*:cart`. */
  prefix: string;
  count: number;
  bytes: number;
  /** Keys in the group with no TTL: they stay until deleted (or evicted). */
  noTtl: number;
  /** How many keys of each type, e.g. { hash: 10, string: 2 }. */
  types: Record<string, number>;
}

/** An id-looking segment: digits, a UUID, or a long hex string. */
const ID_SEGMENT = /^(\d+|[0-9a-f]{8,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * The group a key belongs to.
 * - without depth: the key minus its last segment, with id-looking segments as `*`
 *   (`user:42:cart` → `user:*:*`, `session:abc` → `session:*`, `config` → `config`);
 * - with depth N: the first N segments then `*` (`a:b:c:d`, 2 → `a:b:*`).
 */
export function prefixOf(key: string, depth?: number, separator = ':'): string {
  const parts = key.split(separator);
  if (parts.length === 1) return key;
  if (depth !== undefined) {
    if (parts.length <= depth) return key;
    return [...parts.slice(0, depth), '*'].join(separator);
  }
  const head = parts.slice(0, -1).map((p) => (ID_SEGMENT.test(p) ? '*' : p));
  return [...head, '*'].join(separator);
}

/** Adds one key to the running totals of its prefix (incremental: a million keys never sit in memory). */
export function addToSummary(acc: Map<string, PrefixRow>, info: KeyInfo, depth?: number): void {
  const prefix = prefixOf(info.key, depth);
  let row = acc.get(prefix);
  if (!row) {
    row = { prefix, count: 0, bytes: 0, noTtl: 0, types: {} };
    acc.set(prefix, row);
  }
  row.count++;
  row.bytes += info.bytes;
  if (info.pttl === -1) row.noTtl++;
  row.types[info.type] = (row.types[info.type] ?? 0) + 1;
}
