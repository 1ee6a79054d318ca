// Key hygiene and the Redis key layout. Callers' keys can be anything (a URL, a user-given id), so they
// are checked once here: control characters are rejected, long keys are hashed, absurd ones refused.
import { createHash } from 'node:crypto';
import { escapeGlob } from '../../../shared/keys';
import { CacheKeyError } from './errors';

/** Keys longer than this are stored as a readable head + a hash of the whole key. */
export const HASH_OVER = 200;
/** Keys longer than this are refused outright (a cache key of 8 KB is a bug upstream). */
export const MAX_KEY_LENGTH = 4096;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const NAMESPACE = /^[A-Za-z0-9_.-]{1,64}$/;

export function sanitizeKey(key: string, what = 'key'): string {
  if (typeof key !== 'string' || key.length === 0) throw new CacheKeyError(`${what} must be a non-empty string`);
  if (key.length > MAX_KEY_LENGTH) throw new CacheKeyError(`${what} is longer than ${MAX_KEY_LENGTH} characters`);
  if (CONTROL.test(key)) throw new CacheKeyError(`${what} contains control characters`);
  if (key.length <= HASH_OVER) return key;
  return `${key.slice(0, 64)}#${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

export function checkNamespace(ns: string): string {
  if (!NAMESPACE.test(ns)) throw new CacheKeyError('namespace must be 1-64 characters of A-Z a-z 0-9 _ . -');
  return ns;
}

/** A SCAN pattern given by an operator: glob characters allowed, control characters not. */
export function checkPattern(pattern: string): string {
  if (!pattern || pattern.length > 512 || CONTROL.test(pattern)) throw new CacheKeyError('pattern must be 1-512 printable characters');
  return pattern;
}

/** Where each kind of key lives under the cache's base (e.g. `wb:5.2.B:sc`). */
export interface Keyspace {
  readonly base: string;
  data(ns: string, key: string): string;
  /** SCAN MATCH pattern for keys of a namespace matching `pattern` (glob), `*` for all of them. */
  match(ns: string, pattern?: string): string;
  /** SCAN MATCH pattern for keys of any namespace matching `pattern`. */
  matchAll(pattern?: string): string;
  /** The namespace + key of a data key, or undefined for another kind of key. */
  parse(fullKey: string): { ns: string; key: string } | undefined;
  tag(tag: string): string;
  lock(ns: string, key: string): string;
  readonly channel: string;
}

export function keyspace(base: string): Keyspace {
  const dataPrefix = `${base}:c:`;
  return {
    base,
    data: (ns, key) => `${dataPrefix}${ns}:${key}`,
    match: (ns, pattern = '*') => `${escapeGlob(`${dataPrefix}${ns}:`)}${pattern}`,
    matchAll: (pattern = '*') => `${escapeGlob(dataPrefix)}*:${pattern}`,
    parse(fullKey) {
      if (!fullKey.startsWith(dataPrefix)) return undefined;
      const rest = fullKey.slice(dataPrefix.length);
      const i = rest.indexOf(':');
      return i < 0 ? undefined : { ns: rest.slice(0, i), key: rest.slice(i + 1) };
    },
    // The tag in braces: the tag set and its detached twin (tag-detach.ts) share a hash slot.
    tag: (tag) => `${base}:t:{${tag}}`,
    lock: (ns, key) => `${base}:l:${ns}:${key}`,
    channel: `${base}:bus`,
  };
}

/** Glob (as SCAN understands it) → RegExp, to apply the same pattern to L1. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) re += glob[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^\^/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}
