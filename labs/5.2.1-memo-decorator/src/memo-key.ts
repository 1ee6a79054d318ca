// Cache keys for memoized calls: `<namespace>:v<version>:<function>:<args>`.
// - Stable: {a:1,b:2} and {b:2,a:1} are the same call, so objects are serialized with sorted keys.
// - Safe: long or unusual arguments (spaces, newlines, non-ASCII, huge objects) are hashed, so a key is
//   short, printable and never collides with the `:` separators.
// - Versionable: bump `version` when the function's result shape changes and old entries are ignored.
import { createHash } from 'node:crypto';

/** Arguments up to this many characters, made of "boring" characters, stay readable in the key. */
export const READABLE_MAX = 64;
const READABLE = /^[A-Za-z0-9_.,:\-[\]{}"]*$/;

/**
 * JSON with object keys sorted at every depth, so equal values give equal text whatever the key order.
 * Types JSON would blur are tagged: undefined, Date, bigint, Map, Set, NaN/Infinity.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (value === undefined) return { $u: 1 };
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $n: String(value) };
  if (typeof value === 'bigint') return { $b: value.toString() };
  if (value instanceof Date) return { $d: value.toISOString() };
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Map) return { $m: [...value.entries()].map(([k, v]) => [canonical(k), canonical(v)]).sort(byJson) };
  if (value instanceof Set) return { $s: [...value].map(canonical).sort(byJson) };
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      // A missing property and one set to undefined mean the same call (as JSON.stringify treats them).
      if (v !== undefined) out[k] = canonical(v);
    }
    return out;
  }
  throw new TypeError(`cannot build a cache key from a ${typeof value}`);
}

const byJson = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

export interface MemoKeyParts {
  namespace: string;
  version?: string | number;
  fnName: string;
  args: readonly unknown[];
}

/** The full cache key of one call. */
export function memoKey(parts: MemoKeyParts): string {
  return `${parts.namespace}:v${parts.version ?? 1}:${parts.fnName}:${argsPart(parts.args)}`;
}

/** The arguments' part of a key: the canonical JSON when short and plain, else `#` + its SHA-1. */
export function argsPart(args: readonly unknown[]): string {
  const json = canonicalJson(args);
  if (json.length <= READABLE_MAX && READABLE.test(json)) return json;
  return `#${createHash('sha1').update(json).digest('hex')}`;
}
