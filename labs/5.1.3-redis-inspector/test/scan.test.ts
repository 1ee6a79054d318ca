import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { connectRedis } from '../../../shared/redis-client';
import { inspectKeys, scanKeys } from '../src/scan';
import { byMaster, mastersOf } from '../src/nodes';
import { addToSummary, prefixOf, type PrefixRow } from '../src/prefix';
import { formatKeysReport, keysReport } from '../src/keys';
import { formatMemoryReport, memoryReport } from '../src/memory';
import { formatTtlView, ttlView } from '../src/ttl';
import { runInspector } from '../src/cli';
import { buildKeyspace, KEYSPACE, TTLS, TYPES } from './keyspace';

let ctx: LabContext;
let base: string;
let pattern: string;
beforeAll(async () => {
  ctx = await createTestContext('5.1.3', { services: ['redis'] });
  base = `${ctx.prefix}ks:`;
  pattern = `${base}*`;
  await buildKeyspace(ctx.redis, base);
});
afterAll(() => ctx.dispose());

const plain = { color: false };
/** Group under the test's own prefix: `<base>user:*` (the default would turn the hex test id into `*`). */
const depth = () => base.split(':').length;
const strip = (k: string) => k.slice(base.length);

/** scanKeys works on one server: on a cluster, every master is scanned (as src/walk.ts does). */
async function collect(p: string, count?: number): Promise<string[]> {
  const out: string[] = [];
  for (const node of mastersOf(ctx.redis)) for await (const batch of scanKeys(node, p, { count })) out.push(...batch);
  return out;
}

/** inspectKeys is one pipeline to one server: on a cluster, one per master holding some of the keys. */
async function inspect(keys: string[]) {
  const groups = await byMaster(ctx.redis, keys, (k) => k);
  return (await Promise.all(groups.map(([node, part]) => inspectKeys(node, part)))).flat();
}

describe('exercise 1: SCAN + pipelined TYPE/PTTL/MEMORY USAGE', () => {
  it('scanKeys visits every key of the pattern exactly once, whatever the COUNT', async () => {
    for (const count of [2, 1000]) {
      const keys = await collect(pattern, count);
      expect(keys.map(strip).sort()).toEqual([...KEYSPACE].sort());
    }
  });

  it('scanKeys matches only the pattern', async () => {
    const keys = await collect(`${base}user:*`);
    expect(keys.map(strip).sort()).toEqual(['user:1', 'user:2']);
    expect(await collect(`${base}nothing-here:*`)).toEqual([]);
  });

  it('inspectKeys gives type, TTL and memory for each key, in one pipeline', async () => {
    const infos = await inspect(KEYSPACE.map((k) => base + k));
    expect(infos).toHaveLength(KEYSPACE.length);
    for (const info of infos) {
      const k = strip(info.key);
      expect(info.type).toBe(TYPES[k]);
      if (TTLS[k]) {
        expect(info.pttl).toBeGreaterThan(0);
        expect(info.pttl).toBeLessThanOrEqual(TTLS[k]!);
      } else {
        expect(info.pttl).toBe(-1);
      }
      expect(info.bytes).toBeGreaterThan(0);
    }
    const big = infos.find((i) => strip(i.key) === 'str:big')!;
    const small = infos.find((i) => strip(i.key) === 'str:plain')!;
    expect(big.bytes).toBeGreaterThan(20_000);
    expect(big.bytes).toBeGreaterThan(small.bytes);
  });

  it('inspectKeys leaves out keys that no longer exist', async () => {
    const infos = await inspect([`${base}user:1`, `${base}gone`]);
    expect(infos.map((i) => strip(i.key))).toEqual(['user:1']);
    expect(await inspectKeys(mastersOf(ctx.redis)[0]!, [])).toEqual([]);
  });

  it('ttl view: soonest expiry first, and the keys without TTL', async () => {
    const v = await ttlView(ctx.redis, pattern, { now: () => 1_000_000 });
    expect(v.matched).toBe(KEYSPACE.length);
    expect(v.expiringTotal).toBe(Object.keys(TTLS).length);
    expect(v.expiring.map((e) => strip(e.key))).toEqual(Object.entries(TTLS).sort((a, b) => a[1] - b[1]).map(([k]) => k));
    expect(v.expiring[0]!.expiresAt).toBe(1_000_000 + v.expiring[0]!.pttl);
    expect(v.persistent.map(strip)).toEqual(KEYSPACE.filter((k) => !TTLS[k]).sort());
    expect(v.persistentTotal).toBe(KEYSPACE.length - Object.keys(TTLS).length);
    const soon = await ttlView(ctx.redis, pattern, { withinMs: 130_000, limit: 1 });
    expect(soon.expiringTotal).toBe(2); // board:day (60 s) and tags:1 (120 s)
    expect(soon.expiring.map((e) => strip(e.key))).toEqual(['board:day']);
    expect(formatTtlView(v, plain)).toContain(`${KEYSPACE.length} keys match ${pattern}: 5 expiring, 5 without TTL`);
  });

  it('ttl --once prints one frame; without it the view refreshes (--frames)', async () => {
    let out = '';
    await runInspector(['ttl', pattern, '--once'], { defaultUrl: ctx.services.redis.url, write: (s) => (out += s), color: false });
    expect(out.match(/expiring soonest/g)).toHaveLength(1);
    expect(out).toContain(`${base}board:day`);
    out = '';
    await runInspector(['ttl', pattern, '--frames', '2', '--interval', '20'], { defaultUrl: ctx.services.redis.url, write: (s) => (out += s), color: false });
    expect(out.match(/expiring soonest/g)).toHaveLength(2);
  });
});

describe('exercise 2: group keys by prefix', () => {
  it('prefixOf drops the last segment and turns ids into *', () => {
    expect(prefixOf('session:abc')).toBe('session:*');
    expect(prefixOf('user:42:cart')).toBe('user:*:*');
    expect(prefixOf('cache:page:home')).toBe('cache:page:*');
    expect(prefixOf('order:3f2a9c1e-0b7d-4c3e-9a51-2f6b8d7e4a10:items')).toBe('order:*:*');
    expect(prefixOf('config')).toBe('config');
  });

  it('prefixOf with a depth keeps the first N segments', () => {
    expect(prefixOf('a:b:c:d', 2)).toBe('a:b:*');
    expect(prefixOf('a:b', 2)).toBe('a:b');
    expect(prefixOf('a:b:c', 1)).toBe('a:*');
  });

  it('addToSummary counts keys, bytes, keys without TTL and types per prefix', () => {
    const acc = new Map<string, PrefixRow>();
    addToSummary(acc, { key: 'user:1', type: 'hash', pttl: -1, bytes: 100 });
    addToSummary(acc, { key: 'user:2', type: 'hash', pttl: 5_000, bytes: 50 });
    addToSummary(acc, { key: 'user:3', type: 'string', pttl: -1, bytes: 10 });
    addToSummary(acc, { key: 'session:x', type: 'string', pttl: 1_000, bytes: 70 });
    expect(acc.get('user:*')).toEqual({ prefix: 'user:*', count: 3, bytes: 160, noTtl: 2, types: { hash: 2, string: 1 } });
    expect(acc.get('session:*')).toEqual({ prefix: 'session:*', count: 1, bytes: 70, noTtl: 0, types: { string: 1 } });
    addToSummary(acc, { key: 'a:b:c', type: 'set', pttl: -1, bytes: 1 }, 1);
    expect(acc.get('a:*')?.count).toBe(1);
  });

  it('keys report: every key, totals and one row per prefix', async () => {
    const r = await keysReport(ctx.redis, pattern, { limit: 100, depth: depth() });
    expect(r.matched).toBe(KEYSPACE.length);
    expect(r.keys.map((k) => strip(k.key))).toEqual([...KEYSPACE].sort());
    expect(r.noTtl).toBe(KEYSPACE.length - Object.keys(TTLS).length);
    expect(r.bytes).toBe(r.keys.reduce((n, k) => n + k.bytes, 0));
    const rows = Object.fromEntries(r.summary.map((row) => [row.prefix.slice(base.length), row]));
    expect(Object.keys(rows).sort()).toEqual(['board:*', 'queue:*', 'str:*', 'tags:*', 'user:*']);
    expect(rows['str:*']).toMatchObject({ count: 4, noTtl: 2, types: { string: 4 } });
    expect(rows['board:*']).toMatchObject({ count: 2, noTtl: 1, types: { zset: 2 } });
    expect(r.summary[0]!.prefix).toBe(`${base}str:*`); // biggest first: str:big holds 20 KB
    expect(r.summary.reduce((n, row) => n + row.count, 0)).toBe(r.matched);
    // every server was walked: one, or each master of a cluster (where these keys are spread out)
    expect(r.masters).toBe(mastersOf(ctx.redis).length);
    if (ctx.redis instanceof Cluster) {
      expect((await byMaster(ctx.redis, KEYSPACE.map((k) => base + k), (k) => k)).length).toBeGreaterThan(1);
      expect(formatKeysReport(r, plain)).toContain(`over ${r.masters} masters`);
    }
  });

  it('keys report lists at most --limit keys but counts them all', async () => {
    const r = await keysReport(ctx.redis, pattern, { limit: 3, count: 2 });
    expect(r.keys).toHaveLength(3);
    expect(r.truncated).toBe(true);
    expect(r.matched).toBe(KEYSPACE.length);
    const text = formatKeysReport(r, plain);
    expect(text).toContain(`${KEYSPACE.length} keys match ${pattern}`);
    expect(text).toContain('… 7 more');
  });

  it('keys command prints the table, or JSON', async () => {
    let out = '';
    const io = { defaultUrl: ctx.services.redis.url, write: (s: string) => (out += s), color: false };
    await runInspector(['keys', pattern], io);
    expect(out).toContain('by prefix');
    expect(out).toMatch(new RegExp(`${base}user:1\\s+│ hash\\s+│\\s+no TTL`));
    out = '';
    await runInspector(['keys', `${base}user:*`, '--json', '--depth', String(depth())], io);
    expect(JSON.parse(out)).toMatchObject({ matched: 2, noTtl: 1, summary: [{ prefix: `${base}user:*`, count: 2 }] });
  });

  it('memory report: the biggest keys, bytes per prefix and INFO memory', async () => {
    const r = await memoryReport(ctx.redis, pattern, { top: 3, depth: depth() });
    expect(r.biggest).toHaveLength(3);
    expect(strip(r.biggest[0]!.key)).toBe('str:big');
    expect(r.biggest[0]!.bytes).toBeGreaterThanOrEqual(r.biggest[1]!.bytes);
    expect(r.byPrefix.reduce((n, row) => n + row.bytes, 0)).toBe(r.bytes);
    expect(r.info.used).toBeGreaterThan(0);
    expect(r.info.peak).toBeGreaterThanOrEqual(r.info.used);
    expect(r.info.policy).toMatch(/^(noeviction|allkeys-|volatile-)/);
    if (r.info.maxmemory === 0) expect(r.warnings.join('\n')).toContain('no maxmemory');
    // INFO memory per server (every master of a cluster), and the total is their sum
    expect(r.nodes).toHaveLength(mastersOf(ctx.redis).length);
    expect(r.info.used).toBe(r.nodes.reduce((n, m) => n + m.used, 0));
    const text = formatMemoryReport(r, plain);
    expect(text).toContain('INFO memory');
    expect(text).toContain(`${base}str:big`);
  });
});

// Not an exercise: the walk's routing, which the starter shares with the reference.
describe('routing keys to their master', () => {
  it("byMaster groups every key when it is a new client's first command (the cluster's masters not known yet)", async () => {
    const fresh = connectRedis(ctx.services.redis.url);
    try {
      const keys = KEYSPACE.map((k) => base + k);
      const groups = await byMaster(fresh, keys, (k) => k);
      expect(groups.flatMap(([, part]) => part).sort()).toEqual([...keys].sort());
    } finally {
      fresh.disconnect();
    }
  });
});
