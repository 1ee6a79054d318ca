// The cross-process half of stampede protection. In one process, concurrent misses on a key already
// share one load (single flight); across processes, the first one to miss takes a short lease in Redis
// (SET lock NX PX) and loads, the others poll Redis for its result. The lock key is the entry's key +
// ':lock', so a book's lock shares the book's {hash tag} (one slot on a cluster). Waiting is bounded:
// past LOCK_WAIT_MS a waiter loads by itself — a dead or slow holder costs latency, never a hang.
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../../shared/redis-client';
import { luaCommand, type LuaCommand } from '../../shared/lua';

/** How long a lock holder may load before another process may take over (ms). */
export const LOCK_LEASE_MS = 1_000;
/** The longest a waiter polls for another process's result before loading itself (ms; well within the 1 s route budget). */
export const LOCK_WAIT_MS = 300;
/** Polling backoff: 5 ms doubling to 40 ms. */
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 40;

export const lockKeyOf = (key: string) => `${key}:lock`;

/** One attempt: the generation (read first), the lock, then the entry (read after the lock: see below). */
export interface Attempt {
  /** The book's generation before any load (undefined when the caller tracks none). */
  generation: string | null | undefined;
  /** Our token when we now hold the lock. */
  token: string | null;
  /** The lock is a leftover of this process (no load of ours holds it): load without waiting. */
  leftover: boolean;
  /** The entry as stored now (raw JSON), or null. */
  raw: string | null;
}

export class StampedeLock {
  /** Every token of this process starts with it (how a leftover of ours is recognised). */
  readonly prefix = randomBytes(6).toString('hex');
  private n = 0;
  /** Tokens of this process's loads that hold their lock right now. */
  private readonly live = new Set<string>();
  private readonly releaseIfOurs: LuaCommand<number>;

  constructor(private readonly redis: RedisClient) {
    this.releaseIfOurs = luaCommand<number>(redis, 'capLockRelease', new URL('./lock-release.lua', import.meta.url), 1);
  }

  /**
   * Sent back to back on one connection, so one round trip. The entry is read AFTER the SET NX: a
   * holder stores its result before releasing, so whoever gets the lock next also sees that result.
   * SET … NX GET (Redis ≥ 7.0) names the holder when the lock is taken: a lock of this process that no
   * load of it holds any more is a leftover (a SET whose reply timed out while Redis stalled, then ran
   * when Redis woke) and is not waited on.
   */
  async attempt(key: string, generationKey?: string): Promise<Attempt> {
    const token = `${this.prefix}:${++this.n}`;
    const gen = generationKey ? this.redis.get(generationKey) : Promise.resolve(undefined);
    const set = this.redis.call('SET', lockKeyOf(key), token, 'PX', String(LOCK_LEASE_MS), 'NX', 'GET') as Promise<string | null>;
    const raw = this.redis.get(key);
    const [generation, holder, value] = await Promise.all([gen, set, raw]);
    if (holder === null) this.live.add(token);
    const leftover = holder !== null && holder.startsWith(`${this.prefix}:`) && !this.live.has(holder);
    return { generation, token: holder === null ? token : null, leftover, raw: value };
  }

  /** Deletes the lock only if it is still ours (after a slow load it may have passed to another process). */
  release(key: string, token: string): Promise<number> {
    this.live.delete(token);
    return this.releaseIfOurs([lockKeyOf(key)], [token]);
  }
}

/** Waits before the next poll: 5, 10, 20, 40, 40 … ms, never past the deadline. */
export function pollDelay(attempt: number, deadline: number): number {
  return Math.max(0, Math.min(FIRST_POLL_MS * 2 ** attempt, MAX_POLL_MS, deadline - performance.now()));
}
