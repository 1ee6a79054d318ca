// Read-through with a TTL: the building block most strategies share. A hit younger than the TTL is
// served; anything else loads from Postgres and refills the entry.
import type { RedisClient } from '../../../shared/redis-client';
import type { Catalog } from './catalog';
import { encodeEntry, getEntry } from './entry';
import type { Product } from './product';
import { gcTtlMs, options, type Clock, type StrategyDeps } from './strategy';

export interface ReadThroughOptions {
  redis: RedisClient;
  catalog: Catalog;
  key: (id: number) => string;
  now: Clock;
  ttlMs: number;
  /** Called after a fill, e.g. to add the key to tag sets (in the same MULTI as the SET). */
  fill?: (product: Product, key: string, value: string, pxMs: number) => Promise<unknown>;
}

export function readThrough(opts: ReadThroughOptions): (id: number) => Promise<Product | undefined> {
  const { redis, catalog, key, now, ttlMs } = opts;
  return async (id) => {
    const k = key(id);
    const hit = await getEntry(redis, k);
    if (hit && now() - hit.at < ttlMs) return hit.v;
    const product = await catalog.load(id);
    if (!product) return undefined;
    const value = encodeEntry(product, now());
    if (opts.fill) await opts.fill(product, k, value, gcTtlMs(ttlMs));
    else await redis.set(k, value, 'PX', gcTtlMs(ttlMs));
    return product;
  };
}

/** The product entry key of a strategy's namespace. */
export const productKey = (deps: Pick<StrategyDeps, 'keys'>) => (id: number) => deps.keys.key('product', id);

/** Read-through over a strategy's own deps (its clock, TTL and key namespace). */
export function readThroughFor(deps: StrategyDeps, fill?: ReadThroughOptions['fill']): (id: number) => Promise<Product | undefined> {
  const { now, ttlMs } = options(deps);
  return readThrough({ redis: deps.redis, catalog: deps.catalog, key: productKey(deps), now, ttlMs, fill });
}
