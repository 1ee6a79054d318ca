import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { runRace } from '../../../harness/race';
import { keyBuilder } from '../../../shared/keys';
import { whenRedisReady } from '../../../shared/redis-client';
import { BreakerOpenError, breakerRedisOptions, createBreaker, type BreakerOptions, type RedisCircuitBreaker, type Transition } from '../src/breaker';
import { lastGood } from '../src/fallback';
import type { ProbeArgs } from '../src/probe-actor';

let ctx: LabContext;
let n = 0;
const T0 = 1_700_000_000_000;

beforeAll(async () => {
  ctx = await createTestContext('5.3.3', { services: ['redis'] });
});
afterAll(() => ctx.dispose());

/** A fresh breaker name per test, and a settable clock shared by every instance of it. */
function scenario(rules: Partial<BreakerOptions> = {}) {
  const name = `svc${++n}`;
  const clock = { t: T0 };
  // Connected before the breaker starts: it starts on its own after 2 s without Redis, and a cluster
  // client (slot discovery over every node) can take longer than that on a loaded machine.
  const make = async (extra: Partial<BreakerOptions> = {}) => {
    const redis = ctx.newRedis(breakerRedisOptions);
    await whenRedisReady(redis, 10_000);
    return createBreaker({ name, redis, keys: ctx.keys, now: () => clock.t, minVolume: 10, failureThreshold: 0.5, coolDownMs: 5_000, halfOpenProbes: 3, ...rules, ...extra });
  };
  return { name, clock, make };
}

async function fail(b: RedisCircuitBreaker, times: number) {
  for (let i = 0; i < times; i++) await b.report(false);
}
async function succeed(b: RedisCircuitBreaker, times: number) {
  for (let i = 0; i < times; i++) await b.report(true);
}
const boom = async (): Promise<string> => {
  throw new Error('downstream 503');
};

describe('keys', () => {
  it('keeps both keys of a breaker under its name as the hash tag (one cluster slot for the script)', async () => {
    const s = scenario();
    const b = await s.make();
    expect(b.keyNames.state).toContain(`{${s.name}}`);
    expect(b.keyNames.window).toContain(`{${s.name}}`);
  });
});

describe('exercise 1: record the outcome and evaluate the transition in one script', () => {
  it('does not open before the minimum volume, however many calls fail', async () => {
    const s = scenario();
    const b = await s.make();
    await fail(b, 9);
    expect((await b.status()).state).toBe('closed');
    await fail(b, 1);
    const st = await b.status();
    expect(st.state).toBe('open');
    expect(st.reason).toMatch(/failure rate 100% \(10 of 10 calls\)/);
    expect(st.openUntil).toBe(T0 + 5_000);
  });

  it('opens exactly when the failure share reaches the threshold', async () => {
    const s = scenario();
    const b = await s.make();
    await succeed(b, 6);
    await fail(b, 4); // 4 of 10 = 40 %
    expect((await b.status()).state).toBe('closed');
    await fail(b, 1); // 5 of 11 = 45 %
    expect((await b.status()).state).toBe('closed');
    await fail(b, 1); // 6 of 12 = 50 %
    expect((await b.status()).state).toBe('open');
  });

  it('forgets failures that slid out of the rolling window', async () => {
    const s = scenario({ bucketMs: 1_000, buckets: 10 });
    const b = await s.make();
    await fail(b, 9);
    s.clock.t += 10_000; // those nine are now one window old
    await fail(b, 1);
    const st = await b.status();
    expect(st.state).toBe('closed');
    expect(st.window).toEqual({ calls: 1, failures: 1 });
    expect(Object.keys(await ctx.redis.hgetall(b.keyNames.window))).toEqual([`${Math.floor(s.clock.t / 1000)}:fail`]);
  });

  it('another instance sees the shared state: by reading Redis, or from the next reply', async () => {
    const s = scenario();
    const a = await s.make();
    const b = await s.make({ localViewTtlMs: 60_000 }); // believes its closed view for a minute
    expect(b.current.state).toBe('closed');
    await fail(a, 10);
    expect((await b.status()).state).toBe('open');
    const c = await s.make({ localViewTtlMs: 60_000 });
    await c.report(false); // a call that was in flight when the breaker opened
    expect(c.current.state).toBe('open'); // the script's reply carried the truth
  });

  it('forced closed counts failures but never opens; a failed call returns the fallback', async () => {
    const s = scenario();
    const b = await s.make();
    await b.forceClose();
    for (let i = 0; i < 20; i++) expect(await b.call(boom, () => 'cached')).toBe('cached');
    const st = await b.status();
    expect(st).toMatchObject({ state: 'closed', forced: 'closed', window: { calls: 20, failures: 20 } });
    await expect(b.call(boom)).rejects.toThrow('downstream 503');
  });
});

describe('exercise 2: admit calls — local view, cool-down, exactly N half-open probes', () => {
  it('refuses while cooling down, then admits exactly N probes', async () => {
    const s = scenario();
    const b = await s.make();
    await b.trip('health check failed');
    s.clock.t += 4_999;
    expect((await b.acquire()).decision).toBe('reject');
    s.clock.t += 1;
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push((await b.acquire()).decision);
    expect(decisions).toEqual(['probe', 'probe', 'probe', 'reject', 'reject']);
    expect(b.current.state).toBe('half-open');
  });

  it('3 processes racing for the probes: exactly N are admitted in all', async () => {
    const s = scenario();
    const b = await s.make();
    await b.trip('race');
    const args: ProbeArgs = { redisUrl: ctx.services.redis.url, prefix: ctx.prefix, name: s.name, now: T0 + 5_000, coolDownMs: 5_000, halfOpenProbes: 3 };
    const result = await runRace({
      module: new URL('../src/probe-actor.ts', import.meta.url),
      actors: 30,
      processes: 3,
      args,
      invariant: (outcomes) => {
        const failed = outcomes.filter((o) => !o.ok);
        if (failed.length) return [`${failed.length} actors failed: ${failed[0]!.ok ? '' : failed[0]!.error}`];
        const probes = outcomes.filter((o) => o.ok && o.value === 'probe').length;
        return probes === 3 ? [] : [`${probes} probes admitted, expected exactly 3`];
      },
    });
    expect(result.violations[0]).toBeUndefined(); // names the first broken rule (or the actor's error)
    expect(result.violations).toEqual([]);
    expect((await b.status()).state).toBe('half-open');
  }, 90_000); // three worker processes each load the lab first: seconds apiece on a busy machine

  it('closes after N successful probes; one failed probe reopens it', async () => {
    const s = scenario();
    const b = await s.make();
    await b.trip();
    s.clock.t += 5_000;
    const probes = [await b.acquire(), await b.acquire(), await b.acquire()];
    await b.report(true, probes[0]);
    await b.report(false, probes[1]);
    expect((await b.status()).state).toBe('open');
    await b.report(true, probes[2]); // a probe of the old half-open period: ignored
    expect((await b.status()).state).toBe('open');

    s.clock.t += 5_000;
    for (let i = 0; i < 3; i++) await b.report(true, await b.acquire());
    const st = await b.status();
    expect(st.state).toBe('closed');
    expect(st.reason).toBe('3 half-open probes succeeded');
  });

  it('probes that never report reopen the breaker after the probe timeout', async () => {
    const s = scenario({ probeTimeoutMs: 2_000 });
    const b = await s.make();
    await b.trip();
    s.clock.t += 5_000;
    for (let i = 0; i < 3; i++) await b.acquire(); // their process dies: no report
    s.clock.t += 2_000;
    expect((await b.acquire()).decision).toBe('reject');
    expect((await b.status()).reason).toMatch(/did not report/);
  });

  it('forced open refuses on every instance with the fallback (or BreakerOpenError), even after the cool-down', async () => {
    const s = scenario();
    const a = await s.make();
    const b = await s.make({ localViewTtlMs: 0 });
    await a.forceOpen('maintenance');
    s.clock.t += 60_000;
    let called = false;
    const fn = async () => {
      called = true;
      return 'live';
    };
    expect(await b.call(fn, ({ reason }) => `fallback: ${reason}`)).toBe('fallback: open');
    await expect(a.call(fn)).rejects.toBeInstanceOf(BreakerOpenError);
    expect(called).toBe(false);
    await b.reset();
    await expect(a.call(fn)).rejects.toBeInstanceOf(BreakerOpenError); // a still trusts its fresh view…
    s.clock.t += 1_000;
    expect(await a.call(fn)).toBe('live'); // …until it is localViewTtlMs (1 s) old, then it asks Redis
  });

  it('a cached-value fallback serves the last good answer while open', async () => {
    const s = scenario({ minVolume: 2 });
    const b = await s.make();
    const cache = lastGood<string>();
    expect(await b.call(cache.wrap(async () => 'rate 1.07'), cache.fallback)).toBe('rate 1.07');
    expect(await b.call(cache.wrap(boom), cache.fallback)).toBe('rate 1.07');
    expect(await b.call(cache.wrap(boom), cache.fallback)).toBe('rate 1.07');
    expect(b.current.state).toBe('open');
    expect(await b.call(cache.wrap(async () => 'never called'), cache.fallback)).toBe('rate 1.07');
  });
});

describe('exercise 3: pub/sub keeps every instance\'s view in step', () => {
  it('a transition reaches another instance at once, without it making a call', async () => {
    const s = scenario();
    const a = await s.make({ subscriber: ctx.newRedis() });
    const b = await s.make({ subscriber: ctx.newRedis(), localViewTtlMs: 60_000 });
    const heard: Transition[] = [];
    const mine: Transition[] = [];
    b.on('transition', (t: Transition) => heard.push(t));
    a.on('transition', (t: Transition) => mine.push(t));
    await a.forceOpen('maintenance window');
    await waitFor(() => b.current.state === 'open', { what: 'b to hear the broadcast' });
    expect(heard).toMatchObject([{ from: 'closed', to: 'open', reason: 'maintenance window', origin: 'peer', by: a.id }]);
    expect((await b.acquire()).decision).toBe('reject');
    await a.reset();
    await waitFor(() => b.current.state === 'closed', { what: 'b to hear the reset' });
    expect(mine.map((t) => t.origin)).toEqual(['self', 'self']); // its own broadcast is not announced twice
  });

  it('ignores a broadcast older than the view it holds', async () => {
    const s = scenario();
    const b = await s.make({ subscriber: ctx.newRedis() });
    await b.forceOpen();
    await b.forceClose(); // version 2
    const stale = { name: s.name, from: 'closed', to: 'open', reason: 'replayed', version: 1, at: T0, openUntil: 0, forced: 'open', by: 'someone-else' };
    await ctx.redis.publish(b.keyNames.channel, JSON.stringify(stale));
    const fresh = { ...stale, reason: 'newer', version: 3 };
    await ctx.redis.publish(b.keyNames.channel, JSON.stringify(fresh));
    await waitFor(() => b.current.version === 3, { what: 'the newer broadcast' });
    expect(b.current.reason).toBe('newer');
  });
});

describe('exercise 4: Redis down — local counters, then resync', () => {
  let server: ManagedRedis;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server.dispose());

  it('keeps working on in-process state while Redis is down and pushes what it learned when Redis returns', async () => {
    const keys = keyBuilder({ prefix: ctx.prefix, lab: '5.3.3' });
    const conn = new Redis(server.url, breakerRedisOptions);
    conn.on('error', () => {});
    const clock = { t: T0 };
    const b = await createBreaker({ name: 'outage', redis: conn, keys, now: () => clock.t, minVolume: 4, coolDownMs: 60_000 });
    const failed = new Promise<Error>((resolve) => b.once('error', resolve));
    try {
      await server.stop();
      await waitFor(() => conn.status !== 'ready', { what: 'the client to notice' });
      for (let i = 0; i < 4; i++) expect(await b.call(boom, () => 'fallback')).toBe('fallback');
      expect(b.mode).toBe('local');
      expect(b.current).toMatchObject({ state: 'open' });
      expect(b.current.reason).toMatch(/local/);
      let called = false;
      expect(
        await b.call(
          async () => {
            called = true;
            return 'x';
          },
          () => 'refused locally',
        ),
      ).toBe('refused locally');
      expect(called).toBe(false);

      await server.start(); // empty: it kept nothing
      await Promise.race([waitFor(() => b.mode === 'redis', { what: 'resync', timeoutMs: 15_000 }), failed.then((e) => Promise.reject(e))]);
      const check = new Redis(server.url);
      try {
        expect(await check.hget(b.keyNames.state, 'state')).toBe('open');
        expect(await check.hget(b.keyNames.state, 'reason')).toMatch(/pushed on resync/);
      } finally {
        check.disconnect();
      }
      expect((await b.status()).mode).toBe('redis');
    } finally {
      await b.close();
      conn.disconnect();
    }
  });

  it('starts on local state when Redis is down at start, even with a subscriber, and joins in when it returns', async () => {
    const keys = keyBuilder({ prefix: ctx.prefix, lab: '5.3.3' });
    const conn = new Redis(server.url, breakerRedisOptions);
    const sub = new Redis(server.url);
    for (const c of [conn, sub]) c.on('error', () => {});
    await server.stop();
    const b = await createBreaker({ name: 'cold-start', redis: conn, subscriber: sub, keys, now: () => T0 });
    const failed = new Promise<Error>((resolve) => b.once('error', resolve));
    const check = new Redis(server.url, { lazyConnect: true });
    const otherConn = new Redis(server.url, { ...breakerRedisOptions, lazyConnect: true });
    try {
      expect(b.mode).toBe('local');
      expect((await b.acquire()).decision).toBe('allow');

      await server.start();
      await Promise.race([waitFor(() => b.mode === 'redis', { what: 'resync', timeoutMs: 15_000 }), failed.then((e) => Promise.reject(e))]);
      // The SUBSCRIBE queued while Redis was away reaches it on reconnect: b hears the next transition.
      await waitFor(async () => ((await check.pubsub('NUMSUB', b.keyNames.channel)) as [string, number])[1] === 1, { what: 'the subscription' });
      await otherConn.connect();
      const other = await createBreaker({ name: 'cold-start', redis: otherConn, keys, now: () => T0 });
      await other.forceOpen('after the outage');
      await waitFor(() => b.current.reason === 'after the outage', { what: 'b to hear the broadcast' });
      expect(b.current.state).toBe('open');
      await other.close();
    } finally {
      await b.close();
      for (const c of [conn, sub, check, otherConn]) c.disconnect();
    }
  });
});
