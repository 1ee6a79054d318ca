// Exercise 1: walk the keyspace with SCAN and describe each key with TYPE, PTTL and MEMORY USAGE.
// KEYS would block the server for the whole walk; SCAN returns a cursor and a small batch at a time,
// so other clients run between our calls. Per-key questions go in ONE pipeline per batch: a round
// trip per key would spend almost all the time waiting on the network.
// Both work on ONE server: on a Redis Cluster, src/walk.ts runs them on every master in turn.
import type { Redis } from 'ioredis';

export interface KeyInfo {
  key: string;
  /** string | hash | list | set | zset | stream | … */
  type: string;
  /** Milliseconds left, or -1 when the key has no TTL. */
  pttl: number;
  /** MEMORY USAGE in bytes (an estimate for big collections: Redis samples their elements). */
  bytes: number;
}

export interface ScanOptions {
  /** The COUNT hint: how much work Redis does per call (not an exact batch size). Default 1,000. */
  count?: number;
}

/**
 * Yields one batch per SCAN call (possibly empty: MATCH filters after the server walked COUNT slots)
 * until the cursor comes back to "0". SCAN may return a key twice while the table rehashes, so keys
 * already seen are dropped.
 */
export async function* scanKeys(redis: Redis, pattern: string, opts: ScanOptions = {}): AsyncGenerator<string[]> {
  const count = opts.count ?? 1_000;
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = next;
    const fresh = keys.filter((k) => !seen.has(k));
    for (const k of fresh) seen.add(k);
    yield fresh;
  } while (cursor !== '0');
}

/**
 * TYPE, PTTL and MEMORY USAGE for a batch of keys in one pipeline (one round trip). Keys that
 * vanished since SCAN returned them (expired, deleted) are left out.
 */
export async function inspectKeys(redis: Redis, keys: string[], samples?: number): Promise<KeyInfo[]> {
  if (!keys.length) return [];
  const pipe = redis.pipeline();
  for (const key of keys) {
    pipe.type(key);
    pipe.pttl(key);
    if (samples === undefined) pipe.call('MEMORY', 'USAGE', key);
    else pipe.call('MEMORY', 'USAGE', key, 'SAMPLES', samples);
  }
  const replies = (await pipe.exec()) ?? [];
  const out: KeyInfo[] = [];
  keys.forEach((key, i) => {
    const [typeErr, type] = replies[i * 3]!;
    if (typeErr) throw typeErr;
    if (type === 'none') return; // gone between SCAN and now
    const pttl = Number(replies[i * 3 + 1]![1]);
    const bytes = Number(replies[i * 3 + 2]![1] ?? 0);
    if (pttl === -2) return;
    out.push({ key, type: String(type), pttl, bytes });
  });
  return out;
}
