// Entity caching by type + id: one namespace per type (`product`, `user`), the id as the key, and two
// tags on every entry (`product` and `product:42`) so one entity or the whole type can be dropped.
import type { SmartCache } from './cache';
import type { WarmItem } from './warmer';

export interface EntityCacheOptions<T, Id> {
  load: (id: Id) => Promise<T | undefined>;
  ttl?: number;
  grace?: number;
  /** Extra tags from the loaded entity (e.g. its category). */
  tags?: (id: Id) => string[];
  sensitive?: string[];
}

export interface EntityCache<T, Id> {
  readonly type: string;
  get(id: Id): Promise<T | undefined>;
  /** Puts a known entity (e.g. just written) into the cache. */
  prime(id: Id, entity: T): Promise<void>;
  invalidate(id: Id): Promise<number>;
  tagOf(id: Id): string;
  /** The warming item that loads and stores this entity (see warmer.ts). */
  warmItem(id: Id): WarmItem;
}

export function entityCache<T, Id extends string | number>(cache: SmartCache, type: string, o: EntityCacheOptions<T, Id>): EntityCache<T, Id> {
  const opts = (id: Id) => ({ namespace: type, ttl: o.ttl, grace: o.grace, sensitive: o.sensitive, tags: [type, `${type}:${id}`, ...(o.tags?.(id) ?? [])] });
  return {
    type,
    get: (id) => cache.getOrSet(String(id), () => o.load(id), opts(id)),
    prime: (id, entity) => cache.set(String(id), entity, opts(id)),
    invalidate: (id) => cache.delete(String(id), { namespace: type }),
    tagOf: (id) => `${type}:${id}`,
    warmItem: (id) => ({ key: String(id), loader: () => o.load(id), ...opts(id) }),
  };
}
