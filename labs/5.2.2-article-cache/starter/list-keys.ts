// Starter — exercise 2. `npm run grade 5.2.2 -- --impl starter` shows what is left.
import type { KeyBuilder } from '../../../shared/keys';
import { NotImplementedError } from '../../../shared/errors';
import type { CacheLayer } from '../src/cache-layer';

/** The one counter every list key embeds. */
export const versionKey = (keys: KeyBuilder) => keys.key('lists', 'version');

/** A short stable hash (sha1 of canonical JSON): key order and undefined values must not matter. */
export function queryHash(_params: Record<string, unknown>): string {
  throw new NotImplementedError('exercise 2: hash the query parameters (sorted keys, undefined left out)');
}

/** The current version: GET versionKey (missing = 0). */
export async function listVersion(_cache: CacheLayer, _keys: KeyBuilder): Promise<number> {
  throw new NotImplementedError('exercise 2: read the list namespace version');
}

/** keys.key(ns, `v${version}`, queryHash(params)) */
export async function listKey(_cache: CacheLayer, _keys: KeyBuilder, _ns: string, _params: Record<string, unknown>): Promise<string> {
  throw new NotImplementedError('exercise 2: build the list key under the namespace version');
}

/** INCR the version so every list key changes at once; return the new version. */
export async function bumpListVersion(_cache: CacheLayer, _keys: KeyBuilder): Promise<number> {
  throw new NotImplementedError('exercise 2: bump the list namespace version (INCR)');
}
