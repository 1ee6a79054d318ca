// Write-behind: a write updates the cache entry and queues the change in a Redis stream, in one MULTI,
// and returns without touching Postgres. A flusher worker (consumer group) applies the queue later.
// Readers see their writes at once; Postgres lags by the queue's length.
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../../../../shared/errors';
import { waitFor } from '../../../../harness/ports';
import { encodeEntry, getEntry } from '../entry';
import { parsePatch } from '../product';
import { productKey } from '../read-through';
import { gcTtlMs, options, type StrategyDefinition, type StrategyWorker, type WorkerDeps } from '../strategy';
import { backlog, createFlusher, queueFields, queueKey } from '../write-behind-queue';

/** Entries live long here: while a write is queued, the cache is the only place holding it. */
const ENTRY_TTL_MS = 10 * 60_000;

export const writeBehind: StrategyDefinition = {
  name: 'write-behind',
  promise: 'writes return before Postgres sees them; the flusher loses nothing and applies nothing twice',
  async create(deps) {
    const { now } = options(deps);
    const key = productKey(deps);
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
        const change = parsePatch(patch);
        const current = await read(id);
        if (!current) throw new NotFoundError(`product ${id} not found`);
        const next = { ...current, ...change, version: current.version + 1 };
        // Cache and queue change together: a reader never sees a value the queue does not hold.
        await deps.redis
          .multi()
          .set(key(id), encodeEntry(next, now()), 'PX', gcTtlMs(ENTRY_TTL_MS))
          .xadd(queueKey(deps.keys), '*', ...queueFields(id, change))
          .exec();
      },
      close: async () => {},
    };
  },
  startWorker: startFlusherWorker,
};

/** The flusher loop on its own connection (XREADGROUP BLOCK would stall shared commands). */
export async function startFlusherWorker(deps: WorkerDeps, consumer = `flusher-${randomBytes(3).toString('hex')}`): Promise<StrategyWorker> {
  const conn = deps.newRedis();
  const flusher = createFlusher({ redis: conn, pool: deps.pool, keys: deps.keys, consumer });
  await flusher.ensureGroup();
  let running = true;
  let lastError: Error | undefined;
  const loop = (async () => {
    while (running) {
      try {
        await flusher.flushOnce(100);
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
