import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { LockLostError, LockNotAcquiredError, NotOwnerError } from '../src/errors';
import { bookFenced, createEvent, createSchema, seatsSold, thinkTime } from '../src/events-db';
import { RedisLock } from '../src/lock';
import { pausedClient } from '../src/paused-client';
import { withWatchdog } from '../src/watchdog';

let ctx: LabContext;
let locks: RedisLock;
let n = 0;
const resource = () => `r${++n}`;

beforeAll(async () => {
  ctx = await createTestContext('5.3.4');
  await createSchema(ctx.pg);
  locks = new RedisLock(ctx.redis, ctx.keys);
});
afterAll(() => ctx.dispose());

describe('exercise 1: acquire (SET NX PX + fencing token)', () => {
  it('gives the lock to one client at a time, with an increasing fencing token', async () => {
    const r = resource();
    const first = await locks.acquire(r, { ttlMs: 5_000 });
    expect(await ctx.redis.get(locks.lockKey(r))).toBe(first.token);
    await expect(locks.acquire(r, { timeoutMs: 0 })).rejects.toBeInstanceOf(LockNotAcquiredError);
    await first.release();
    const second = await locks.acquire(r, { timeoutMs: 0 });
    expect(second.fence).toBeGreaterThan(first.fence);
    await second.release();
  });

  it('an expired lock is taken by the next client', async () => {
    const r = resource();
    const crashed = await locks.acquire(r, { ttlMs: 50 }); // never released
    const next = await locks.acquire(r, { timeoutMs: 5_000, retryDelayMs: 10 });
    expect(next.fence).toBe(crashed.fence + 1);
    expect(await ctx.redis.get(locks.lockKey(r))).toBe(next.token);
    await next.release();
  });

  it('sets a TTL so a crashed holder cannot block forever', async () => {
    const r = resource();
    const lease = await locks.acquire(r, { ttlMs: 5_000 });
    const pttl = await ctx.redis.pttl(locks.lockKey(r));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_000);
    await lease.release();
  });
});

describe('exercise 2: release and extend only by the owner', () => {
  it('a client whose lease expired cannot release the new holder\'s lock', async () => {
    const r = resource();
    const old = await locks.acquire(r, { ttlMs: 30 });
    const current = await locks.acquire(r, { timeoutMs: 5_000 });
    await expect(old.release()).rejects.toBeInstanceOf(NotOwnerError);
    expect(await ctx.redis.get(locks.lockKey(r))).toBe(current.token);
    await current.release();
    expect(await ctx.redis.exists(locks.lockKey(r))).toBe(0);
  });

  it('extend resets the TTL for the owner only', async () => {
    const r = resource();
    const lease = await locks.acquire(r, { ttlMs: 5_000 }); // long enough to outlive a stall of this loaded machine
    await lease.extend(60_000);
    expect(await ctx.redis.pttl(locks.lockKey(r))).toBeGreaterThan(5_000);
    await lease.release();
    await expect(lease.extend()).rejects.toBeInstanceOf(NotOwnerError);
  });

  it('withLock releases after the work, and reports a lease that ran out', async () => {
    const r = resource();
    expect(await locks.withLock(r, async () => 'done')).toBe('done');
    expect(await ctx.redis.exists(locks.lockKey(r))).toBe(0);
    const slow = locks.withLock(r, async () => {
      await ctx.redis.del(locks.lockKey(r)); // the lease vanishes under us (expiry, failover…)
      return 'late';
    });
    await expect(slow).rejects.toBeInstanceOf(LockLostError);
  });
});

describe('exercise 3: watchdog for long critical sections', () => {
  it('keeps the lock through work three times longer than its TTL', async () => {
    const r = resource();
    const result = await withWatchdog(
      locks,
      r,
      async (_lease, signal) => {
        await thinkTime(1_800); // the long critical section itself
        // Still ours: nobody else can take it.
        await expect(locks.acquire(r, { timeoutMs: 0 })).rejects.toBeInstanceOf(LockNotAcquiredError);
        return signal.aborted ? 'lost' : 'kept';
      },
      { ttlMs: 600 },
    );
    expect(result).toBe('kept');
    expect(await ctx.redis.exists(locks.lockKey(r))).toBe(0);
  });

  it('signals loss when the lease is taken away', async () => {
    const r = resource();
    const run = withWatchdog(
      locks,
      r,
      async (_lease, signal) => {
        await ctx.redis.del(locks.lockKey(r));
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        return 'finished';
      },
      { ttlMs: 60 },
    );
    await expect(run).rejects.toBeInstanceOf(LockLostError);
  });
});

describe('exercise 4: fencing tokens stop a paused client', () => {
  it('with fencing, the stale write from the client that paused past its lease is refused', async () => {
    const r = await pausedClient(ctx, true);
    expect(r.tokens.b).toBeGreaterThan(r.tokens.a);
    expect(r.staleWriteAccepted).toBe(false);
    expect(r.holder).toBe('B');
    expect(r.releaseError).toMatch(/does not own/);
  });

  it('without fencing, the same pause silently overwrites the new holder', async () => {
    const r = await pausedClient(ctx, false);
    expect(r.staleWriteAccepted).toBe(true);
    expect(r.holder).toBe('A');
  });

  it('a paused client that wakes and writes before the new holder does cannot make the event oversell', async () => {
    const eventId = await createEvent(ctx.pg, 'one seat', 1);
    const r = `event:${eventId}`;
    const a = await locks.acquire(r, { ttlMs: 50 });
    expect((await seatsSold(ctx.pg, eventId)).sold).toBe(0); // A sees the free seat… and stalls past its lease
    const b = await locks.acquire(r, { timeoutMs: 5_000, retryDelayMs: 10 }); // taken once A's lease expired
    expect((await seatsSold(ctx.pg, eventId)).sold).toBe(0); // B sees it free too
    expect(await bookFenced(ctx.pg, eventId, 'A', a.fence)).toBe(true); // nobody newer wrote yet: accepted
    expect(await bookFenced(ctx.pg, eventId, 'B', b.fence)).toBe(false); // B's count was stale: sold out
    expect(await seatsSold(ctx.pg, eventId)).toEqual({ seats: 1, sold: 1 });
    await b.release();
  });
});
