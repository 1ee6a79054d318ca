// Commands that look at a whole keyspace (SCAN, INFO, DBSIZE) see one server. On a Redis Cluster
// each master holds only its own slots, so these helpers ask every master and merge the answers.
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-client';

/** The servers that hold keys: the client itself, or every master of a cluster. */
export function mastersOf(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/**
 * Resolves once a cluster client knows its masters (before that `nodes('master')` is empty or its
 * connections are not open yet); a single server's client needs nothing.
 */
export async function whenMastersKnown(redis: RedisClient, timeoutMs = 5000): Promise<void> {
  if (!(redis instanceof Cluster) || redis.status === 'ready') return;
  if (redis.status === 'wait') redis.connect().catch(() => {});
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error('the Redis Cluster did not become ready'));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/** Every key matching `pattern`, from every master, in batches (SCAN with COUNT, never KEYS). */
export async function* scanKeys(redis: RedisClient, pattern: string, count = 1000): AsyncGenerator<string[]> {
  // Until a cluster client is ready, nodes() still lists the seed connections it is about to replace
  // (a scan on one of them fails with "Connection is closed"): a demo's first command is often a scan.
  await whenMastersKnown(redis);
  for (const node of mastersOf(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (keys.length) yield keys;
    } while (cursor !== '0');
  }
}

/**
 * UNLINKs keys that may live in different slots: one multi-key call on a single server; on a cluster,
 * one call per key, sent together (a multi-key UNLINK, like a pipeline, must stay inside one slot there).
 */
export async function unlinkKeys(redis: RedisClient, keys: string[]): Promise<number> {
  if (!keys.length) return 0;
  if (!(redis instanceof Cluster)) return redis.unlink(...keys);
  const counts = await Promise.all(keys.map((k) => redis.unlink(k)));
  return counts.reduce((a, b) => a + b, 0);
}

/** Deletes every key matching `pattern` on every master; returns how many went. */
export async function deleteMatching(redis: RedisClient, pattern: string): Promise<number> {
  let deleted = 0;
  for await (const keys of scanKeys(redis, pattern)) deleted += await unlinkKeys(redis, keys);
  return deleted;
}
