import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, deleteByPrefix, type LabContext } from '../context';
import { escapeGlob, keyBuilder } from '../../shared/keys';

describe('key builder', () => {
  it('builds <prefix><lab>:<entity>:<id> keys, versions and hash tags', () => {
    const k = keyBuilder({ prefix: 't:1:', lab: '5.2.2' });
    expect(k.key('article', 42)).toBe('t:1:5.2.2:article:42');
    expect(k.tagged('board', 'daily', 'seq')).toBe('t:1:5.2.2:board:{daily}:seq');
    expect(keyBuilder({ lab: 'cache', version: 3 }).key('p', 1)).toBe('cache:v3:p:1');
    expect(k.pattern('article')).toBe('t:1:5.2.2:article:*');
    expect(k.forLab('other').key('x', 1)).toBe('t:1:other:x:1');
  });

  it('escapes glob characters so a pattern matches only its own prefix', () => {
    expect(escapeGlob('a*b?[c]\\')).toBe('a\\*b\\?\\[c\\]\\\\');
  });
});

describe('test context', () => {
  let ctx: LabContext;
  beforeAll(async () => {
    ctx = await createTestContext('harness');
  });
  afterAll(() => ctx.dispose());

  it('works in its own Postgres schema', async () => {
    await ctx.pg.query('CREATE TABLE t (id int)');
    const { rows } = await ctx.pg.query<{ schema: string }>('SELECT current_schema() AS schema');
    expect(rows[0]!.schema).toBe(ctx.schema);
    expect(ctx.schema).not.toBe('public');
  });

  it('dispose removes its own keys and schema, and nothing else', async () => {
    const other = await createTestContext('harness');
    await other.redis.set(other.keys.key('k', 1), 'mine');
    await other.pg.query('CREATE TABLE x (id int)');
    await ctx.redis.set(ctx.keys.key('k', 1), 'neighbour');
    await other.dispose();
    expect(await ctx.redis.exists(other.keys.key('k', 1))).toBe(0);
    expect(await ctx.redis.get(ctx.keys.key('k', 1))).toBe('neighbour');
    const { rowCount } = await ctx.pg.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [other.schema]);
    expect(rowCount).toBe(0);
  });

  it('deleteByPrefix deletes in batches and refuses an empty prefix', async () => {
    // Separate commands, not one pipeline: on a cluster the keys span every slot.
    await Promise.all(Array.from({ length: 2500 }, (_, i) => ctx.redis.set(ctx.keys.key('bulk', i), i)));
    expect(await deleteByPrefix(ctx.redis, ctx.keys.key('bulk', ''))).toBe(2500);
    await expect(deleteByPrefix(ctx.redis, '')).rejects.toThrow(/empty prefix/);
  });
});

describe('extra connections', () => {
  it("newRedis goes to the context Redis; newRedisAt to the server it names", async () => {
    const ctx = await createTestContext('harness', { services: ['redis'] });
    const { startRedisServer } = await import('../faults');
    const other = await startRedisServer();
    try {
      const same = ctx.newRedis();
      const elsewhere = ctx.newRedisAt(other.url);
      await same.set(ctx.keys.key('where', 1), 'main');
      expect(await ctx.redis.get(ctx.keys.key('where', 1))).toBe('main');
      expect(await elsewhere.get(ctx.keys.key('where', 1))).toBeNull();
      expect(await elsewhere.dbsize()).toBe(0);
    } finally {
      await ctx.dispose();
      await other.dispose();
    }
  });
});
