// Bulk-load Redis with pipelines: commands are sent in batches without waiting for each reply, so the
// cost is bandwidth, not one network round trip per key.
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import type { Progress } from '../progress';

/**
 * Calls `add(pipeline, item)` for every item, sending a pipeline every `batchSize` items with up to
 * `inFlight` pipelines outstanding. Throws on the first failed command.
 */
export async function pipelineInBatches<T>(
  redis: Redis | Cluster,
  items: Iterable<T>,
  add: (p: ChainableCommander, item: T) => void,
  opts: { batchSize?: number; inFlight?: number; progress?: Progress } = {},
): Promise<number> {
  const batchSize = opts.batchSize ?? 1000;
  const inFlight = opts.inFlight ?? 4;
  const pending = new Set<Promise<void>>();
  let p = redis.pipeline();
  let inBatch = 0;
  let total = 0;
  const flush = async () => {
    const batch = p;
    const n = inBatch;
    p = redis.pipeline();
    inBatch = 0;
    const run = batch.exec().then((results) => {
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
      opts.progress?.increment(n);
    });
    pending.add(run);
    run.finally(() => pending.delete(run)).catch(() => {});
    if (pending.size >= inFlight) await Promise.race(pending);
  };
  for (const item of items) {
    add(p, item);
    inBatch++;
    total++;
    if (inBatch >= batchSize) await flush();
  }
  if (inBatch) await flush();
  await Promise.all(pending);
  return total;
}
