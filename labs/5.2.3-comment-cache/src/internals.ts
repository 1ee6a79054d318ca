// What the cache's parts share: the write-through function and the cache class both work on these.
import type { RedisClient } from '../../../shared/redis-client';
import type { TtlRule } from './ttl-rule';
import type { CommentKeys } from './keys';
import type { CommentStore } from './store';

/** Element 0 of a cached list. Times are on the cache's (injectable) clock. */
export interface Meta {
  meta: 1;
  /** Logical expiry: after it the list is stale (still served while one loader refreshes it). */
  exp: number;
  /** The TTL tier's name and length when `exp` was set. */
  tier: string;
  ttl: number;
  /** How long the load took (ms): XFetch refreshes early in proportion to it. */
  delta: number;
}

export type Counter =
  | 'hits'
  | 'misses'
  | 'stale_served'
  | 'loads'
  | 'writes'
  | 'invalidations'
  | 'invalidation_failures'
  | 'ttl_changes'
  | 'stampede_waits'
  | 'early_refreshes'
  | 'db_fallbacks'
  | 'fill_skipped';

export interface CacheInternals {
  redis: RedisClient;
  store: CommentStore;
  keys: CommentKeys;
  rule: TtlRule;
  now: () => number;
  /** How long a list stays in Redis past its logical expiry (served stale while one loader refreshes). */
  staleGraceMs: number;
  /** Counts locally and in the shared Redis hash (best effort). */
  count(counter: Counter, n?: number): void;
  /** Deletes the cached list; if Redis cannot, remembers the post and serves it from Postgres until it can. */
  invalidate(postId: number): Promise<void>;
}

/** Version keys outlive any list TTL but do not stay forever. */
export const VERSION_TTL_MS = 24 * 3600_000;

export function parseMeta(text: string | null | undefined): Meta | undefined {
  if (!text) return undefined;
  try {
    const m = JSON.parse(text) as Meta;
    return m && m.meta === 1 ? m : undefined;
  } catch {
    return undefined;
  }
}
