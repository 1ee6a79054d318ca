// Everything around the lock's three Redis operations: key names, loading the scripts, retry with
// jitter, leases, withLock. The operations themselves (the lesson) are in lock.ts.
import { randomBytes } from 'node:crypto';
import type { KeyBuilder } from '../../../shared/keys';
import { luaCommand, type LuaCommand } from '../../../shared/lua';
import { LockLostError, LockNotAcquiredError, NotOwnerError } from './errors';
import type { RedisClient } from '../../../shared/redis-client';

export interface AcquireOptions {
  /** How long the lease lasts if never released or extended (ms). */
  ttlMs?: number;
  /** Give up after this long (ms); 0 = try once. */
  timeoutMs?: number;
  /** First delay between attempts (ms); it doubles per attempt up to maxRetryDelayMs, with full jitter. */
  retryDelayMs?: number;
  /** Cap of the growing delay (ms). */
  maxRetryDelayMs?: number;
}

export interface Lease {
  readonly resource: string;
  /** Random owner token: only the holder of this string can release or extend. */
  readonly token: string;
  /** Monotonic fencing token: a later lease on the same resource always has a larger one. */
  readonly fence: number;
  /** Milliseconds spent waiting for the lock. */
  readonly waitedMs: number;
  /** Throws NotOwnerError if the lease had already expired (or was never ours). */
  release(): Promise<void>;
  extend(ttlMs?: number): Promise<void>;
}

const DEFAULTS: Required<AcquireOptions> = { ttlMs: 5_000, timeoutMs: 10_000, retryDelayMs: 2, maxRetryDelayMs: 50 };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export abstract class LockBase {
  protected readonly acquireScript: LuaCommand<number | null>;
  protected readonly releaseScript: LuaCommand<number>;
  protected readonly extendScript: LuaCommand<number>;
  private readonly defaults: Required<AcquireOptions>;

  constructor(
    protected readonly redis: RedisClient,
    private readonly keys: KeyBuilder,
    defaults: AcquireOptions = {},
  ) {
    this.defaults = { ...DEFAULTS, ...defaults };
    this.acquireScript = luaCommand(redis, 'lockAcquire', new URL('./acquire.lua', import.meta.url), 2);
    this.releaseScript = luaCommand(redis, 'lockRelease', new URL('./release.lua', import.meta.url), 1);
    this.extendScript = luaCommand(redis, 'lockExtend', new URL('./extend.lua', import.meta.url), 1);
  }

  /** The lock key and its fencing counter share a {hash tag}, so both fit one cluster slot. */
  lockKey(resource: string): string {
    return this.keys.tagged('lock', resource);
  }
  fenceKey(resource: string): string {
    return this.keys.tagged('lock', resource, 'fence');
  }

  /** One attempt: the fencing token if we got the lock, null if someone else holds it. */
  protected abstract tryAcquire(lockKey: string, fenceKey: string, token: string, ttlMs: number): Promise<number | null>;
  /** Deletes the lock if `token` owns it; false otherwise. */
  protected abstract releaseIfOwner(lockKey: string, token: string): Promise<boolean>;
  /** Resets the TTL if `token` owns the lock; false otherwise. */
  protected abstract extendIfOwner(lockKey: string, token: string, ttlMs: number): Promise<boolean>;

  /** Tries until it gets the lock or the timeout passes (then LockNotAcquiredError). */
  async acquire(resource: string, opts: AcquireOptions = {}): Promise<Lease> {
    const { ttlMs, timeoutMs, retryDelayMs, maxRetryDelayMs } = { ...this.defaults, ...opts };
    const token = randomBytes(16).toString('hex');
    const lockKey = this.lockKey(resource);
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      const fence = await this.tryAcquire(lockKey, this.fenceKey(resource), token, ttlMs);
      if (fence !== null) {
        const waitedMs = performance.now() - started;
        return {
          resource,
          token,
          fence,
          waitedMs,
          release: async () => {
            if (!(await this.releaseIfOwner(lockKey, token))) throw new NotOwnerError(resource);
          },
          extend: async (ms = ttlMs) => {
            if (!(await this.extendIfOwner(lockKey, token, ms))) throw new NotOwnerError(resource);
          },
        };
      }
      const waited = performance.now() - started;
      if (waited >= timeoutMs) throw new LockNotAcquiredError(resource, Math.round(waited));
      // Exponential backoff with full jitter: hundreds of waiters do not hammer Redis in lockstep, yet
      // with many of them someone still retries soon after each release.
      const ceiling = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(attempt, 16));
      await sleep(Math.min(ceiling * Math.random(), timeoutMs - waited));
    }
  }

  /** Runs `fn` while holding the lock and always releases it; a lease that ran out is reported. */
  async withLock<T>(resource: string, fn: (lease: Lease) => Promise<T>, opts: AcquireOptions = {}): Promise<T> {
    const lease = await this.acquire(resource, opts);
    let result: T;
    try {
      result = await fn(lease);
    } catch (err) {
      await lease.release().catch(() => {});
      throw err;
    }
    await lease.release().catch((err: unknown) => {
      throw err instanceof NotOwnerError ? new LockLostError(resource) : err;
    });
    return result;
  }
}
