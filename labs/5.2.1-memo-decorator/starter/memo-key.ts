// Starter: exercise 2 — stable, safe, versioned cache keys. `npm run grade 5.2.1 -- --impl starter`.
// - Stable: {a:1,b:2} and {b:2,a:1} are the same call, so objects are serialized with sorted keys.
// - Safe: long or unusual arguments are hashed (node:crypto sha1), so a key stays short and printable.
// - Versionable: `version` is part of the key.
import { NotImplementedError } from '../../../shared/errors';

/** Arguments up to this many characters, made of "boring" characters, stay readable in the key. */
export const READABLE_MAX = 64;

/**
 * JSON with object keys sorted at every depth. Tag the types JSON would blur, so they differ:
 * undefined, Date, bigint, Map, Set (entries sorted), NaN/Infinity. Throw a TypeError for functions/symbols.
 * A property set to undefined counts as missing.
 */
export function canonicalJson(_value: unknown): string {
  throw new NotImplementedError('exercise 2: canonicalJson (sorted keys, tagged special types)');
}

export interface MemoKeyParts {
  namespace: string;
  version?: string | number;
  fnName: string;
  args: readonly unknown[];
}

/** `<namespace>:v<version ?? 1>:<fnName>:<argsPart(args)>` */
export function memoKey(_parts: MemoKeyParts): string {
  throw new NotImplementedError('exercise 2: memoKey');
}

/**
 * The canonical JSON of the arguments when it is at most READABLE_MAX characters of
 * /^[A-Za-z0-9_.,:\-[\]{}"]*$/, else `#` + the sha1 hex of it.
 */
export function argsPart(_args: readonly unknown[]): string {
  throw new NotImplementedError('exercise 2: argsPart (readable or hashed)');
}
