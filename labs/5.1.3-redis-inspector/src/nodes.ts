// On a Redis Cluster each master holds only its own slots: SCAN, DBSIZE, INFO and MEMORY answer for
// one server. The inspector therefore walks every master (shared/redis-scan.ts's mastersOf) and sends
// a batch of keys to the master that holds them, on that master's own connection, so a batch stays
// one pipeline (a cluster pipeline may not span masters). On a single server all of this is a no-op.
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from '../../../shared/redis-client';
import { mastersOf, whenMastersKnown } from '../../../shared/redis-scan';

export { mastersOf };

/** `host:port` of one server, as the cluster names its nodes. */
export const nodeName = (node: Redis): string => `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`;

/**
 * Items grouped by the master serving their key: one pipeline of CLUSTER KEYSLOT (any node answers
 * it) per batch, then the client's slot table says which master owns each slot.
 */
export async function byMaster<T>(redis: RedisClient, items: T[], keyOf: (item: T) => string | Buffer): Promise<Array<[Redis, T[]]>> {
  if (!items.length) return [];
  if (!(redis instanceof Cluster)) return [[redis, items]];
  await whenMastersKnown(redis); // a new client's nodes() are its seeds until the slot table arrives
  const masters = redis.nodes('master');
  const pipe = masters[0]!.pipeline();
  for (const item of items) pipe.call('CLUSTER', 'KEYSLOT', keyOf(item));
  const slots = ((await pipe.exec()) ?? []).map(([err, slot]) => {
    if (err) throw err;
    return Number(slot);
  });
  const groups = new Map<Redis, T[]>();
  items.forEach((item, i) => {
    const owner = redis.slots[slots[i]!]?.[0];
    const node = masters.find((m) => nodeName(m) === owner);
    if (!node) throw new Error(`no master serves slot ${slots[i]} (the cluster is resharding or failing over: try again)`);
    const list = groups.get(node) ?? [];
    list.push(item);
    groups.set(node, list);
  });
  return [...groups];
}
