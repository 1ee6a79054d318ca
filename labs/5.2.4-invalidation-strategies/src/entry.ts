// A cache entry is the product plus the clock time it was stored: TTL and SWR compare that stamp with
// an injectable clock instead of trusting Redis' wall-clock expiry.
import type { RedisClient } from '../../../shared/redis-client';
import type { Product } from './product';

export interface Entry {
  v: Product;
  /** Clock time (ms) when the value was loaded. */
  at: number;
}

export function encodeEntry(v: Product, at: number): string {
  return JSON.stringify({ v, at } satisfies Entry);
}

/** A corrupt entry is a miss, never an error. */
export function decodeEntry(text: string | null): Entry | undefined {
  if (!text) return undefined;
  try {
    const e = JSON.parse(text) as Entry;
    return e && typeof e.at === 'number' && e.v && typeof e.v.id === 'number' ? e : undefined;
  } catch {
    return undefined;
  }
}

export async function getEntry(redis: RedisClient, key: string): Promise<Entry | undefined> {
  return decodeEntry(await redis.get(key));
}
