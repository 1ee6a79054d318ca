// The one small interface both tiers implement, so a cache can run L1-only, L2-only or both.
// Methods may answer synchronously (memory) or with a promise (Redis); the core awaits only promises.
import type { Entry } from '../entry';

export type MaybePromise<T> = T | Promise<T>;

export interface CacheTier {
  readonly name: 'l1' | 'l2';
  /** The entry if present and not expired (fresh or stale: the core decides what to do with stale). */
  get(ns: string, key: string): MaybePromise<Entry | undefined>;
  /**
   * `encoded` is the serialized entry (its size for L1, the payload for L2). Promoting an L2 hit to L1
   * passes no `encoded`: L1 then uses `entry.size`, which the L2 read filled in.
   */
  set(ns: string, key: string, entry: Entry, encoded?: string): MaybePromise<void | boolean>;
  delete(ns: string, keys: string[]): MaybePromise<number>;
  deleteTags(tags: string[]): MaybePromise<number>;
  deletePattern(ns: string, pattern: string): MaybePromise<number>;
  clearNamespace(ns: string): MaybePromise<number>;
}
