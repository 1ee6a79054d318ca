// A hand-written LRU cache with a TTL per entry. The lesson: a JavaScript Map remembers insertion order,
// so "move to most-recent" is delete + set, and "least-recent" is the first key of the Map. Every
// operation is O(1): no scans, no sorting, no timers (an expired entry is dropped when it is touched).

export interface LruOptions<K, V> {
  /** Most entries kept; the least recently used one is evicted to make room. */
  max: number;
  /** Default time-to-live in ms for `set` (0 or undefined: entries never expire). */
  ttlMs?: number;
  /** The clock, injectable so tests move time without sleeping. */
  now?: () => number;
  /** Called with every entry evicted for room (not for expiry or delete). */
  onEvict?: (key: K, value: V) => void;
}

export interface LruStats {
  size: number;
  max: number;
  evictions: number;
  expirations: number;
}

interface Entry<V> {
  value: V;
  /** Absolute expiry time on the injected clock; Infinity = never. */
  expiresAt: number;
}

export class LruCache<K, V> {
  private readonly map = new Map<K, Entry<V>>();
  private readonly max: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly onEvict?: (key: K, value: V) => void;
  private evictions = 0;
  private expirations = 0;

  constructor(opts: LruOptions<K, V>) {
    if (!Number.isInteger(opts.max) || opts.max < 1) throw new RangeError(`max must be a positive integer, got ${opts.max}`);
    this.max = opts.max;
    this.ttlMs = opts.ttlMs ?? 0;
    this.now = opts.now ?? Date.now;
    this.onEvict = opts.onEvict;
  }

  get size(): number {
    return this.map.size;
  }

  /** The value, or undefined when absent or expired. A hit makes the entry the most recently used. */
  get(key: K): V | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      // Lazy expiry: nobody pays for a timer, the reader who finds it stale removes it.
      this.map.delete(key);
      this.expirations++;
      return undefined;
    }
    // Re-insert so the key moves to the end of the Map's order: the most recently used position.
    this.map.delete(key);
    this.map.set(key, entry);
    return entry.value;
  }

  /** Stores a value (most recently used), evicting the least recently used entry when full. */
  set(key: K, value: V, ttlMs: number = this.ttlMs): this {
    const expiresAt = ttlMs > 0 ? this.now() + ttlMs : Number.POSITIVE_INFINITY;
    // delete first: an update must also move the key to the most-recent end.
    this.map.delete(key);
    this.map.set(key, { value, expiresAt });
    if (this.map.size > this.max) this.evictOldest();
    return this;
  }

  /** Removes the least recently used entry: the first key in the Map's insertion order. */
  private evictOldest(): void {
    const oldest = this.map.keys().next();
    if (oldest.done) return;
    const entry = this.map.get(oldest.value)!;
    this.map.delete(oldest.value);
    this.evictions++;
    this.onEvict?.(oldest.value, entry.value);
  }

  /** True when present and fresh; does not change recency. */
  has(key: K): boolean {
    const entry = this.map.get(key);
    return entry !== undefined && entry.expiresAt > this.now();
  }

  /** Ms left for a key (Infinity when it never expires, undefined when absent/expired). */
  ttlLeft(key: K): number | undefined {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    const left = entry.expiresAt - this.now();
    return left > 0 ? left : undefined;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  /** Keys from least to most recently used (for tests and the demo). */
  keys(): K[] {
    return [...this.map.keys()];
  }

  stats(): LruStats {
    return { size: this.map.size, max: this.max, evictions: this.evictions, expirations: this.expirations };
  }
}
