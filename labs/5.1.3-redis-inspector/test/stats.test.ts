import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { memoryWarnings, type MemoryInfo } from '../src/memory';
import { parseInfo, parseKeyspace } from '../src/info';
import { formatStats, sampleStats, statsFrame, type StatsFrame } from '../src/stats';
import { runInspector } from '../src/cli';
import { mastersOf, nodeName } from '../src/nodes';

let ctx: LabContext;
beforeAll(async () => {
  ctx = await createTestContext('5.1.3', { services: ['redis'] });
});
afterAll(() => ctx.dispose());

describe('stats', () => {
  it('two samples: hits, misses and commands between them', async () => {
    const key = ctx.keys.key('stats', 'hit');
    await ctx.redis.set(key, 'v');
    let clock = 1_000;
    const now = () => clock;
    const a = await sampleStats(ctx.redis, now);
    for (let i = 0; i < 30; i++) await ctx.redis.get(key);
    for (let i = 0; i < 10; i++) await ctx.redis.get(ctx.keys.key('stats', 'miss'));
    clock += 2_000;
    const b = await sampleStats(ctx.redis, now);
    const f = statsFrame(a, b);
    // other clients share the server: at least what we did, never less
    expect(f.hitsDelta).toBeGreaterThanOrEqual(30);
    expect(f.missesDelta).toBeGreaterThanOrEqual(10);
    expect(f.intervalMs).toBe(2_000);
    expect(f.opsPerSecDelta).toBeGreaterThanOrEqual(Math.round((41 * 1000) / 2_000));
    expect(f.hitRatio).toBeGreaterThan(0);
    expect(f.hitRatio).toBeLessThan(1);
    expect(f.clients).toBeGreaterThanOrEqual(1);
    expect(f.keyspace.find((d) => d.db === 0)?.keys).toBeGreaterThanOrEqual(1);
    expect(formatStats(f, { color: false })).toMatch(/ops\/s \(delta\)/);
    // one row per server sampled (every master of a cluster); the totals are their sums
    expect(f.nodes.map((n) => n.node).sort()).toEqual(mastersOf(ctx.redis).map(nodeName).sort());
    expect(f.keyspace.reduce((n, d) => n + d.keys, 0)).toBe(f.nodes.reduce((n, x) => n + x.keys, 0));
    expect(f.opsPerSecDelta).toBeGreaterThanOrEqual(f.nodes.reduce((n, x) => n + x.opsPerSecDelta, 0) - f.nodes.length);
  });

  it('stats --once --json prints one frame for scripts', async () => {
    let out = '';
    await runInspector(['stats', '--once', '--json', '--interval', '20'], { defaultUrl: ctx.services.redis.url, write: (s) => (out += s) });
    const f = JSON.parse(out) as StatsFrame;
    expect(f.version).toMatch(/^\d+\.\d+/);
    expect(f.intervalMs).toBeGreaterThan(0);
    for (const field of ['clients', 'opsPerSecInstant', 'opsPerSecDelta', 'evictedTotal', 'usedMemory'] as const) expect(typeof f[field]).toBe('number');
    expect(Array.isArray(f.keyspace)).toBe(true);
  });

  it('stats refreshes: --frames N prints N frames', async () => {
    let out = '';
    await runInspector(['stats', '--frames', '2', '--interval', '20'], { defaultUrl: ctx.services.redis.url, write: (s) => (out += s), color: false });
    expect(out.match(/ops\/s \(delta\)/g)).toHaveLength(2);
  });
});

describe('INFO parsing and memory warnings', () => {
  it('parses INFO fields and the keyspace lines', () => {
    const info = parseInfo('# Server\r\nredis_version:7.0.15\r\n\r\n# Keyspace\r\ndb0:keys=12,expires=3,avg_ttl=5000\r\ndb2:keys=1,expires=0,avg_ttl=0\r\n');
    expect(info.redis_version).toBe('7.0.15');
    expect(parseKeyspace(info)).toEqual([
      { db: 0, keys: 12, expires: 3, avgTtl: 5000 },
      { db: 2, keys: 1, expires: 0, avgTtl: 0 },
    ]);
  });

  const MB = 1024 * 1024;
  const base: MemoryInfo = { used: 500 * MB, peak: 600 * MB, rss: 550 * MB, fragmentation: 1.1, maxmemory: 1024 * MB, policy: 'allkeys-lru', evictedKeys: 0 };

  it('a healthy instance has no warning', () => {
    expect(memoryWarnings(base)).toEqual([]);
  });

  it('warns about no maxmemory, noeviction, a full instance and evictions', () => {
    expect(memoryWarnings({ ...base, maxmemory: 0 })[0]).toMatch(/no maxmemory/);
    expect(memoryWarnings({ ...base, policy: 'noeviction' })[0]).toMatch(/noeviction.*OOM/);
    expect(memoryWarnings({ ...base, used: 1000 * MB })[0]).toMatch(/98 % of maxmemory/);
    expect(memoryWarnings({ ...base, evictedKeys: 12 })[0]).toMatch(/12 keys were evicted/);
    expect(memoryWarnings({ ...base, policy: 'volatile-lru' }, { matched: 10, noTtl: 9 })[0]).toMatch(/only evicts keys with a TTL.*90 %/);
  });

  it('warns about fragmentation only when Redis holds real data', () => {
    expect(memoryWarnings({ ...base, fragmentation: 2.4, rss: 1200 * MB })[0]).toMatch(/high fragmentation \(2\.40\)/);
    expect(memoryWarnings({ ...base, fragmentation: 0.7 })[0]).toMatch(/swapped/);
    expect(memoryWarnings({ ...base, used: 2 * MB, rss: 10 * MB, fragmentation: 5 })).toEqual([]);
  });
});
