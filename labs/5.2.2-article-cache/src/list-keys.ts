// Exercise 2 — keys for query results. A list page has no single id, so its key is a hash of the
// query's parameters, under a namespace version: `lists:v7:<hash>`. Changing anything that can appear in
// a list bumps the version (one INCR); every old list key is then never read again and expires by TTL.
import { createHash } from 'node:crypto';
import type { KeyBuilder } from '../../../shared/keys';
import type { CacheLayer } from './cache-layer';

/** The one counter every list key embeds. */
export const versionKey = (keys: KeyBuilder) => keys.key('lists', 'version');

/** How long a process may keep the version in its L1 (only when the L1 is on). */
const VERSION_L1_TTL_SEC = 1;

/**
 * A short, stable hash of query parameters: key order does not matter and undefined values are left
 * out, so `{ tag: 'redis', page: 1 }` and `{ page: 1, tag: 'redis', author: undefined }` share a key.
 */
export function queryHash(params: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(params).sort().filter((k) => params[k] !== undefined).map((k) => [k, params[k]]));
  return createHash('sha1').update(canonical).digest('hex').slice(0, 16);
}

/** The current list version (0 before the first bump). Throws if Redis is unreachable. */
export async function listVersion(cache: CacheLayer, keys: KeyBuilder): Promise<number> {
  const vk = versionKey(keys);
  const local = cache.l1Get(vk);
  if (local) return local.value as number;
  const version = Number((await cache.redis?.get(vk)) ?? 0);
  cache.l1Set(vk, version, VERSION_L1_TTL_SEC);
  return version;
}

/** `<prefix>5.2.2:<ns>:v<version>:<hash of params>` */
export async function listKey(cache: CacheLayer, keys: KeyBuilder, ns: string, params: Record<string, unknown>): Promise<string> {
  return keys.key(ns, `v${await listVersion(cache, keys)}`, queryHash(params));
}

/** Invalidates every cached list at once. Returns the new version. */
export async function bumpListVersion(cache: CacheLayer, keys: KeyBuilder): Promise<number> {
  const vk = versionKey(keys);
  const version = (await cache.redis?.incr(vk)) ?? 0;
  cache.l1Set(vk, version, VERSION_L1_TTL_SEC); // this process switches at once; others within a second
  return version;
}
