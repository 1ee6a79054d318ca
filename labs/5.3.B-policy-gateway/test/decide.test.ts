// The multi-limit decision against real Redis, on an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { escapeGlob } from '../../../shared/keys';
import { mastersOf } from '../../../shared/redis-scan';
import { Limiter } from '../src/limiter';
import { planFor, type Identity, type Plan, type PlannedLimit } from '../src/plan';
import { RuleSchema, TierSchema, type Snapshot } from '../src/policy';

let ctx: LabContext;
let t = 1_700_000_000_000;
const now = () => t;
beforeAll(async () => {
  ctx = await createTestContext('5.3.B', { services: ['redis'], serving: true });
});
afterAll(() => ctx.dispose());

const tier = TierSchema.parse({ name: 'pro', limits: [] });
const lim = (name: string, capacity: number, perSec: number, shadow = false): PlannedLimit => ({ name, bucket: name, capacity, perSec, windowSec: Math.round(capacity / perSec), shadow });
const plan = (limits: PlannedLimit[], cost = 1): Plan => ({ tier, cost, limits, failMode: 'open' });
let n = 0;
const who = (): Identity => ({ id: `key:k${++n}`, tenant: 't', tier: 'pro' });

describe('exercise 2: the multi-limit Lua decision — all or nothing, in one call', () => {
  it('allows while every limit can pay, and reports what each has left', async () => {
    const limiter = new Limiter(ctx.redis, ctx.keys, { now });
    const id = who();
    const p = plan([lim('second', 3, 1), lim('minute', 10, 10 / 60)]);
    const d = await limiter.decide(id, p);
    expect(d.allowed).toBe(true);
    expect(d.results.map((r) => r.remaining)).toEqual([2, 9]);
  });

  it('the tightest limit refuses, and a refused request charges no limit', async () => {
    const limiter = new Limiter(ctx.redis, ctx.keys, { now });
    const id = who();
    const p = plan([lim('second', 2, 1), lim('minute', 10, 10 / 60)]);
    expect((await limiter.decide(id, p)).allowed).toBe(true);
    expect((await limiter.decide(id, p)).allowed).toBe(true);
    const denied = await limiter.decide(id, p);
    expect(denied.allowed).toBe(false);
    expect(denied.results.map((r) => [r.remaining, r.short])).toEqual([[0, true], [8, false]]);
    expect(denied.retryAfterSec).toBe(1);
    // Five more refusals: the minute limit still has 8 (rejected requests do not consume).
    for (let i = 0; i < 5; i++) await limiter.decide(id, p);
    t += 1_000;
    const after = await limiter.decide(id, p);
    expect(after.allowed).toBe(true);
    expect(after.results[1]!.remaining).toBe(7);
  });

  it('cost is taken from every limit; a cost above what is left refuses', async () => {
    const limiter = new Limiter(ctx.redis, ctx.keys, { now });
    const id = who();
    expect((await limiter.decide(id, plan([lim('a', 5, 0.001), lim('b', 100, 0.001)], 4))).results.map((r) => r.remaining)).toEqual([1, 96]);
    const d = await limiter.decide(id, plan([lim('a', 5, 0.001), lim('b', 100, 0.001)], 2));
    expect(d.allowed).toBe(false);
    expect(d.results.map((r) => r.remaining)).toEqual([1, 96]);
  });

  it('a shadow limit never refuses: it counts a would-be denial and is not charged past empty', async () => {
    const limiter = new Limiter(ctx.redis, ctx.keys, { now });
    const id = who();
    const p = plan([lim('enforced', 10, 0.001), lim('shadow', 1, 0.001, true)]);
    const first = await limiter.decide(id, p);
    expect(first).toMatchObject({ allowed: true, shadowDenied: false });
    const second = await limiter.decide(id, p);
    expect(second).toMatchObject({ allowed: true, shadowDenied: true });
    expect(second.results.map((r) => r.remaining)).toEqual([8, 0]);
  });

  it('refills over time up to the burst, never beyond', async () => {
    const limiter = new Limiter(ctx.redis, ctx.keys, { now });
    const id = who();
    const p = plan([lim('s', 3, 1)]);
    for (let i = 0; i < 3; i++) await limiter.decide(id, p);
    t += 60_000;
    const d = await limiter.decide(id, p);
    expect(d.results[0]!.remaining).toBe(2);
  });
});

describe('bucket keys', () => {
  it('keeps every bucket of one identity under its hash tag (one slot, one script)', () => {
    const limiter = new Limiter(ctx.redis, ctx.keys, { now });
    const id = who();
    const keys = [lim('a', 1, 1), lim('b', 1, 1)].map((l) => limiter.bucketKey(id, l));
    for (const k of keys) expect(k).toContain(`{${id.id}}`);
  });

  // On a Redis Cluster a script's keys must share one slot: this is what makes the all-or-nothing
  // decision possible there. Topology-agnostic: one server in the single-node pass, three masters in
  // the cluster pass (where a decision spanning slots would fail with CROSSSLOT).
  it("a request's tier windows and rule window live on one server; identities spread over every master", async () => {
    const limiter = new Limiter(ctx.redis, ctx.keys, { now });
    // Slow refills: a bucket full again expires (PX), and these must still be there when we look.
    const pro = TierSchema.parse({ name: 'pro', limits: [{ window: 'minute', limit: 1 }, { window: 'hour', limit: 10 }, { window: 'day', limit: 100 }] });
    const rule = RuleSchema.parse({ id: 'search', route: '/search', limits: [{ window: 'minute', limit: 2 }] });
    const snap: Snapshot = { version: 1, tiers: new Map([['pro', pro]]), rules: [rule], keysByHash: new Map(), overrides: new Map(), settings: { shadow: false } };
    const owners = new Map<string, string[]>(); // identity → its bucket keys
    for (let i = 0; i < 60; i++) {
      const id: Identity = { id: `key:spread${i}`, tenant: 't', tier: 'pro' };
      const p = planFor(snap, id, 'GET', '/search');
      expect(p.limits).toHaveLength(4);
      expect((await limiter.decide(id, p)).allowed).toBe(true);
      owners.set(id.id, p.limits.map((l) => limiter.bucketKey(id, l)));
    }
    // Where each key is: SCAN each master (a node lists only the keys of its own slots).
    const masters = mastersOf(ctx.redis);
    const where = new Map<string, number>();
    for (const [m, node] of masters.entries()) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', `${escapeGlob(ctx.keys.key('bucket'))}:{key:spread*`, 'COUNT', 1000);
        cursor = next;
        for (const k of found) where.set(k, m);
      } while (cursor !== '0');
    }
    const used = new Set<number>();
    for (const keys of owners.values()) {
      const servers = new Set(keys.map((k) => where.get(k)));
      expect(servers.size).toBe(1);
      expect(servers.has(undefined)).toBe(false);
      used.add([...servers][0]!);
    }
    // 60 identities over 3 masters: each master holds some (all on one would be a hot master).
    expect(used.size).toBe(masters.length);
  });
});
