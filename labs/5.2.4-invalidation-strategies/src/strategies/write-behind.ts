// Write-behind: a write merges into the cache entry and queues the new row in a Redis stream, in one
// script, and returns without touching Postgres. A flusher worker (consumer group) applies the queue later.
// Readers see their writes at once; Postgres lags by the queue's length.
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { AppError, NotFoundError } from '../../../../shared/errors';
import { luaCommand } from '../../../../shared/lua';
import { RedisUnavailableError, whenRedisReady } from '../../../../shared/redis-client';
import { waitFor } from '../../../../harness/ports';
import { encodeEntry, getEntry } from '../entry';
import { parsePatch } from '../product';
import { gcTtlMs, options, type StrategyDefinition, type StrategyWorker, type WorkerDeps } from '../strategy';
import { backlog, createFlusher, entryKey, queueKey } from '../write-behind-queue';

/**
 * Entries live long here: while a write is queued, the cache is the only place holding it, and the
 * next write merges into it. (So the bench compares write-behind with write-through at this same TTL.)
 */
export const ENTRY_TTL_MS = 10 * 60_000;
/** Default bound on the queue: past it (the flusher or Postgres is down) writes are refused, not buffered. */
export const DEFAULT_MAX_QUEUED = 100_000;

const writeLua = new URL('../write-behind-write.lua', import.meta.url);

/**
 * A write Redis took but could not copy to the replicas asked for (WAIT) in time. It is queued on the
 * master and will most likely be flushed; only if that master dies before replicating it is it lost.
 */
export class NotReplicatedError extends AppError {
  readonly retryAfterSeconds = 1;
  constructor(replicas: number) {
    super(503, 'service_unavailable', `the write is queued but not yet on ${replicas} replica(s); it may be lost if Redis fails over now`);
  }
}

export class QueueFullError extends AppError {
  constructor() {
    super(503, 'service_unavailable', 'the write-behind queue is full; try again when the flusher has caught up');
  }
}

export const writeBehind: StrategyDefinition = {
  name: 'write-behind',
  promise: 'writes return before Postgres sees them; the flusher loses nothing, applies nothing twice, and never lets an older write win',
  async create(deps) {
    const { now } = options(deps);
    const key = entryKey(deps.keys);
    const stream = queueKey(deps.keys);
    const maxQueued = deps.maxQueued ?? DEFAULT_MAX_QUEUED;
    const mergeAndQueue = luaCommand<'ok' | 'miss' | 'full'>(deps.redis, 'inv_writeBehind', writeLua, 2);
    // Redis replicates asynchronously: a write the master acknowledged is lost if the master dies before
    // its replica has it. With `durableReplicas`, the script and a WAIT go down one connection (a
    // pipeline is routed by the script's slot, so on a cluster WAIT reaches that slot's master), and
    // the write is acknowledged only once that many replicas hold it.
    const { durableReplicas = 0, durableTimeoutMs = 200 } = deps;
    const queue = async (keys: string[], args: Array<string | number>): Promise<'ok' | 'miss' | 'full'> => {
      if (durableReplicas <= 0) return mergeAndQueue(keys, args);
      const p = deps.redis.pipeline() as ReturnType<typeof deps.redis.pipeline> & Record<'inv_writeBehind', (...a: Array<string | number>) => unknown>;
      p.inv_writeBehind(...keys, ...args);
      p.wait(durableReplicas, durableTimeoutMs);
      const replies = await p.exec();
      const failed = replies?.find(([err]) => err);
      if (failed && /^(MOVED|ASK) /.test(failed[0]!.message)) {
        // The slot moved (a failover): the script did not run. ioredis re-routes single commands by
        // itself but not a pipeline whose replies differ, so refresh the slot map; the caller retries.
        if (deps.redis instanceof Cluster) deps.redis.refreshSlotsCache();
        throw new RedisUnavailableError();
      }
      if (!replies || failed) throw failed?.[0] ?? new Error('pipeline discarded');
      const result = replies[0]![1] as 'ok' | 'miss' | 'full';
      if (result === 'ok' && Number(replies[1]![1]) < durableReplicas) throw new NotReplicatedError(durableReplicas);
      return result;
    };
    const read = async (id: number) => {
      const hit = await getEntry(deps.redis, key(id));
      if (hit) return hit.v;
      const product = await deps.catalog.load(id);
      if (product) await deps.redis.set(key(id), encodeEntry(product, now()), 'PX', gcTtlMs(ENTRY_TTL_MS), 'NX');
      return product;
    };
    return {
      name: 'write-behind',
      read,
      async write(id, patch) {
        const change = JSON.stringify(parsePatch(patch));
        const call = (base: string) => queue([key(id), stream], [change, base, now(), gcTtlMs(ENTRY_TTL_MS), maxQueued, id]);
        // The merge happens inside Redis, on whatever entry is there when the script runs: concurrent
        // writers each build on the other's result. Only a missing entry costs a database read first.
        let result = await call('');
        if (result === 'miss') {
          const product = await deps.catalog.load(id);
          if (!product) throw new NotFoundError(`product ${id} not found`);
          result = await call(encodeEntry(product, now()));
        }
        if (result === 'full') throw new QueueFullError();
      },
      close: async () => {},
    };
  },
  startWorker: startFlusherWorker,
};

/** The flusher loop on its own connection (XREADGROUP BLOCK would stall shared commands). */
export async function startFlusherWorker(deps: WorkerDeps, consumer = `flusher-${randomBytes(3).toString('hex')}`): Promise<StrategyWorker> {
  const conn = deps.newRedis();
  // A serving client queues nothing while it connects: the group is created once it is ready.
  await whenRedisReady(conn, 5_000).catch(() => {});
  const flusher = createFlusher({ redis: conn, pool: deps.pool, keys: deps.keys, consumer, durableReplicas: deps.durableReplicas });
  await flusher.ensureGroup();
  let running = true;
  let lastError: Error | undefined;
  const loop = (async () => {
    while (running) {
      try {
        // After a round that acked something, drop what is acked: the stream and ledger stay bounded.
        if ((await flusher.flushOnce(100)) > 0) await flusher.trim();
        lastError = undefined;
      } catch (err) {
        lastError = err as Error; // Postgres down: retry; the entries stay pending, nothing is lost
        if (running) await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
  return {
    async drain(timeoutMs = 10_000) {
      await waitFor(
        async () => {
          if ((await backlog(deps.redis, deps.keys)) === 0) return true;
          if (lastError) throw lastError; // reported by waitFor if the queue never drains
          return false;
        },
        { timeoutMs, what: 'the write-behind queue to drain' },
      );
    },
    async close() {
      running = false;
      await loop;
      conn.disconnect();
    },
  };
}
