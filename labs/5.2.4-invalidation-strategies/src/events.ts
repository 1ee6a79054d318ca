// Event-based invalidation over Redis pub/sub. A writer publishes "product 7 changed"; a separate
// invalidator worker deletes the shared Redis entry (L2) and only then broadcasts "drop 7" to every app
// instance, which drops its L1. In that order an instance cannot refill L1 from the old L2 entry.
import type { RedisClient } from '../../../shared/redis-client';
import type { KeyBuilder } from '../../../shared/keys';

export const channels = (keys: KeyBuilder) => ({
  /** Writers publish the changed product id here. */
  changes: keys.key('channel', 'changes'),
  /** The invalidator broadcasts ids whose L2 entry is gone; instances drop their L1 copy. */
  dropL1: keys.key('channel', 'drop-l1'),
});

export async function publishChange(redis: RedisClient, keys: KeyBuilder, id: number): Promise<void> {
  await redis.publish(channels(keys).changes, String(id));
}

/** Calls `onDrop(id)` for every broadcast drop; resolves once subscribed. */
export async function subscribeDrops(sub: RedisClient, keys: KeyBuilder, onDrop: (id: number) => void): Promise<void> {
  const { dropL1 } = channels(keys);
  sub.on('message', (channel: string, message: string) => {
    if (channel === dropL1) onDrop(Number(message));
  });
  await sub.subscribe(dropL1);
}

export interface Invalidator {
  /** How many change events it handled. */
  readonly handled: number;
  close(): Promise<void>;
}

/**
 * The invalidator worker. `sub` is a connection it may put in subscriber mode, `redis` a normal one.
 * Resolves once it is subscribed, so no event published afterwards is missed.
 */
export async function startInvalidator(sub: RedisClient, redis: RedisClient, keys: KeyBuilder): Promise<Invalidator> {
  const { changes, dropL1 } = channels(keys);
  let handled = 0;
  let chain = Promise.resolve();
  sub.on('message', (channel: string, message: string) => {
    if (channel !== changes) return;
    const id = Number(message);
    if (!Number.isInteger(id)) return;
    // One at a time, in arrival order: L2 is gone before anyone is told to drop L1.
    chain = chain
      .then(async () => {
        await redis.unlink(keys.key('product', id));
        await redis.publish(dropL1, String(id));
        handled++;
      })
      .catch(() => {});
  });
  await sub.subscribe(changes);
  return {
    get handled() {
      return handled;
    },
    async close() {
      await chain;
      sub.disconnect();
    },
  };
}
