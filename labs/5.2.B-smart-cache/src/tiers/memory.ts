// L1: an in-process LRU bounded by entry count AND bytes (lru-cache; the hand-written LRU is lab 5.2.1).
// Hits cost a Map lookup, no I/O, no decoding: this is what makes the cache faster than Redis itself.
import { LRUCache } from 'lru-cache';
import type { Entry } from '../entry';
import { globToRegExp } from '../keys';
import type { CacheTier } from './tier';

export interface MemoryTierOptions {
  maxEntries?: number;
  /** Sum of the serialized sizes of the entries held. */
  maxBytes?: number;
  now?: () => number;
}

export class MemoryTier implements CacheTier {
  readonly name = 'l1' as const;
  private readonly lru: LRUCache<string, Entry>;
  private readonly now: () => number;

  constructor(opts: MemoryTierOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.lru = new LRUCache<string, Entry>({ max: opts.maxEntries ?? 10_000, maxSize: opts.maxBytes ?? 64 * 1024 * 1024 });
  }

  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }

  get(ns: string, key: string): Entry | undefined {
    const id = `${ns}:${key}`;
    const e = this.lru.get(id);
    if (e && this.now() >= e.staleUntil) {
      this.lru.delete(id);
      return undefined;
    }
    return e;
  }

  set(ns: string, key: string, entry: Entry, encoded?: string): void {
    // An entry larger than maxBytes is simply not kept in L1 (lru-cache refuses it).
    const size = encoded === undefined ? (entry.size ?? 1) : Buffer.byteLength(encoded);
    this.lru.set(`${ns}:${key}`, entry, { size: Math.max(1, size) });
  }

  delete(ns: string, keys: string[]): number {
    let n = 0;
    for (const k of keys) if (this.lru.delete(`${ns}:${k}`)) n++;
    return n;
  }

  deleteTags(tags: string[]): number {
    const wanted = new Set(tags);
    return this.deleteWhere((_id, e) => e.tags.some((t) => wanted.has(t)));
  }

  deletePattern(ns: string, pattern: string): number {
    const re = globToRegExp(pattern);
    const head = `${ns}:`;
    return this.deleteWhere((id) => id.startsWith(head) && re.test(id.slice(head.length)));
  }

  clearNamespace(ns: string): number {
    const head = `${ns}:`;
    return this.deleteWhere((id) => id.startsWith(head));
  }

  clear(): void {
    this.lru.clear();
  }

  private deleteWhere(match: (id: string, e: Entry) => boolean): number {
    const doomed: string[] = [];
    for (const [id, e] of this.lru.entries()) if (match(id, e)) doomed.push(id);
    for (const id of doomed) this.lru.delete(id);
    return doomed.length;
  }
}
