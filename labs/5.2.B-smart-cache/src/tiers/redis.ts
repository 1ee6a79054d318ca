// L2: Redis. One GET per read, one SET … PX per write (the key lives until the end of grace); a tagged
// write is one script that also records the key in its tag sets.
// Every call goes through the breaker, so a dead Redis costs nothing once it is noticed.
import type { RedisClient } from '../../../../shared/redis-client';
import { unlinkKeys } from '../../../../shared/redis-scan';
import { LRUCache } from 'lru-cache';
import type { Breaker } from '../breaker';
import type { Entry } from '../entry';
import { CacheUnavailableError } from '../errors';
import type { Keyspace } from '../keys';
import { scanDelete } from '../scan';
import type { Serializer } from '../serializer';
import type { CacheStats } from '../stats';
import { setTagged } from '../tag-write';
import { invalidateTags } from '../tags';
import type { CacheTier } from './tier';

export interface RedisTierOptions {
  redis: RedisClient;
  keys: Keyspace;
  serializer: Serializer;
  breaker: Breaker;
  stats: CacheStats;
  now: () => number;
  /** Most live entries one tag set may hold (see tag-write.ts). */
  maxTagMembers?: number;
}

export class RedisTier implements CacheTier {
  readonly name = 'l2' as const;
  /**
   * The last bytes read per key and what they decoded to. Every read still asks Redis (so a change is
   * seen at once), but identical bytes are not parsed again: decoding (superjson ≈ 10 µs) would
   * otherwise cost more CPU than the GET itself when many callers read the same hot key.
   */
  private readonly decoded = new LRUCache<string, { text: string; entry: Entry }>({ max: 1000, maxSize: 4 * 1024 * 1024, sizeCalculation: (v) => v.text.length || 1 });
  constructor(private readonly o: RedisTierOptions) {}

  async get(ns: string, key: string): Promise<Entry | undefined> {
    const dataKey = this.o.keys.data(ns, key);
    const breaker = this.o.breaker;
    if (breaker.isOpen) throw new CacheUnavailableError();
    // The hottest Redis call: no closure, no extra async layer (run() would add both).
    const t0 = performance.now();
    let text: string | null;
    try {
      text = await this.o.redis.get(dataKey);
      breaker.success();
    } catch (err) {
      breaker.failure();
      throw err;
    }
    this.o.stats.observe('l2_get', t0);
    if (text === null) return undefined;
    const seen = this.decoded.get(dataKey);
    let entry: Entry;
    if (seen && seen.text === text) entry = seen.entry;
    else {
      entry = this.o.serializer.decode(text);
      entry.size = text.length;
      this.decoded.set(dataKey, { text, entry });
    }
    return this.o.now() < entry.staleUntil ? entry : undefined;
  }

  /** False when a full tag set refused the entry (then Redis holds nothing for it). */
  async set(ns: string, key: string, entry: Entry, encoded?: string): Promise<boolean> {
    const lifetime = Math.ceil(entry.staleUntil - this.o.now());
    if (lifetime <= 0) return true;
    const payload = encoded ?? this.o.serializer.encode(entry);
    const dataKey = this.o.keys.data(ns, key);
    const t0 = performance.now();
    const { redis } = this.o;
    const written = await this.o.breaker.run(async () =>
      entry.tags.length ? setTagged(redis, dataKey, entry.tags.map(this.o.keys.tag), payload, lifetime, this.o.maxTagMembers) : (await redis.set(dataKey, payload, 'PX', lifetime)) === 'OK',
    );
    this.o.stats.observe('l2_set', t0);
    return written;
  }

  delete(ns: string, keys: string[]): Promise<number> {
    if (!keys.length) return Promise.resolve(0);
    return this.o.breaker.run(() => unlinkKeys(this.o.redis, keys.map((k) => this.o.keys.data(ns, k))));
  }

  deleteTags(tags: string[]): Promise<number> {
    return this.o.breaker.run(() => invalidateTags(this.o.redis, tags.map(this.o.keys.tag)));
  }

  deletePattern(ns: string, pattern: string): Promise<number> {
    return this.o.breaker.run(() => scanDelete(this.o.redis, this.o.keys.match(ns, pattern)));
  }

  clearNamespace(ns: string): Promise<number> {
    return this.o.breaker.run(() => scanDelete(this.o.redis, this.o.keys.match(ns)));
  }
}
