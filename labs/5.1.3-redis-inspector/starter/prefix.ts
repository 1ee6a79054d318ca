// Starter, exercise 2: group keys by prefix.
import { NotImplementedError } from '../../../shared/errors';
import type { PrefixRow } from '../src/prefix';
import type { KeyInfo } from '../src/scan';

export type { PrefixRow };

/**
 * The group a key belongs to.
 * - without depth: the key minus its last segment, with id-looking segments (digits, a UUID, 8+ hex
 *   characters) as `*`: `user:42:cart` → `user:*:*`, `session:abc` → `session:*`, `config` → `config`;
 * - with depth N: the first N segments then `*` (`a:b:c:d`, 2 → `a:b:*`); a key with N segments or
 *   fewer is its own group.
 */
export function prefixOf(_key: string, _depth?: number, _separator = ':'): string {
  throw new NotImplementedError('exercise 2: prefixOf — the prefix group of a key');
}

/** Add one key to its prefix's running totals (create the row on first sight). */
export function addToSummary(_acc: Map<string, PrefixRow>, _info: KeyInfo, _depth?: number): void {
  throw new NotImplementedError('exercise 2: addToSummary — count, bytes, no-TTL and types per prefix');
}
