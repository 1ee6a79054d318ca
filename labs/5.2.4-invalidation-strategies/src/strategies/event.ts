// Event-based invalidation: each app instance keeps an L1 in memory over the shared Redis L2. A write
// commits to Postgres and publishes an event; the invalidator worker (its own process) deletes L2 and
// tells every instance to drop its L1. The writer does not clean up itself: the worker is the only path.
import { createL1, type L1 } from '../l1';
import { publishChange, startInvalidator, subscribeDrops } from '../events';
import type { Product } from '../product';
import { startInvalidatorProcess } from '../invalidator-process';
import { readThroughFor } from '../read-through';
import { options, type Strategy, type StrategyDefinition, type StrategyDeps, type WorkerDeps } from '../strategy';

export interface LayeredStrategy extends Strategy {
  readonly l1: L1;
}

/** One app instance: L1 in front of `readL2`, subscribed to drop broadcasts. Shared with "combined". */
export async function createLayeredInstance(
  deps: StrategyDeps,
  name: string,
  readL2: (id: number) => Promise<Product | undefined>,
  extra: Partial<Strategy> = {},
): Promise<LayeredStrategy> {
  const { now, ttlMs } = options(deps);
  // L1 never outlives one TTL, so a lost pub/sub message (pub/sub does not queue) costs at most that.
  const l1 = createL1({ now, ttlMs });
  const sub = deps.newRedis();
  await subscribeDrops(sub, deps.keys, (id) => l1.drop(id));
  return {
    name,
    l1,
    read: (id) => l1.through(id, () => readL2(id)),
    async write(id, patch) {
      await deps.catalog.update(id, patch);
      await publishChange(deps.redis, deps.keys, id);
    },
    ...extra,
    async close() {
      await extra.close?.();
      sub.disconnect();
    },
  };
}

/** The invalidator inside this process on its own connections (the tests and the demo also fork it). */
export async function startInProcessInvalidator(deps: WorkerDeps) {
  return startInvalidator(deps.newRedis(), deps.redis, deps.keys);
}

export const event: StrategyDefinition = {
  name: 'event',
  promise: 'after a write, a worker drops the Redis entry and every instance drops its own copy',
  create: async (deps) => createLayeredInstance(deps, 'event', readThroughFor(deps)),
  startWorker: startInProcessInvalidator,
  startWorkerProcess: startInvalidatorProcess,
};
