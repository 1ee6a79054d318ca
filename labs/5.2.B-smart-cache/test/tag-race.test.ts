// Tags under concurrency (issue 13): writers tag entries while invalidators drop the same tags. The
// invariant: every value in Redis is in the tag set of each of its tags, so an invalidation that starts
// after the writers stop drops every one of them.
import { describe, expect, it } from 'vitest';
import type { LabContext } from '../../../harness/context';
import { makeCache, scanAll, useTestContext } from './helpers';

let ctx: LabContext;
useTestContext((c) => (ctx = c));

/** Whether `member` is in the tag set (a sorted set; a plain set in the lab's first version). */
async function isMember(tagKey: string, member: string): Promise<boolean> {
  return (await ctx.redis.type(tagKey)) === 'set' ? (await ctx.redis.sismember(tagKey, member)) === 1 : (await ctx.redis.zscore(tagKey, member)) !== null;
}

describe('exercise 3: tag invalidation', () => {
  it('concurrent writers and invalidators: no entry outlives its tags, a final invalidation leaves nothing', async () => {
    const base = ctx.keys.key('tag-race');
    const writers = await Promise.all(Array.from({ length: 3 }, () => makeCache(ctx, { base, l1: false, bus: false })));
    const invalidators = await Promise.all(Array.from({ length: 2 }, () => makeCache(ctx, { base, l1: false, bus: false })));
    // A tag set several SSCAN/ZRANGE batches long, so invalidating it takes many round trips.
    for (let i = 0; i < 3000; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => writers[0]!.set(`seed:${i + j}`, i + j, { tags: ['hot'] })));
    let writing = true;
    let written = 0;
    const write = async (w: number) => {
      for (let i = 0; writing; i++) {
        await Promise.all(Array.from({ length: 20 }, (_, j) => writers[w]!.set(`w${w}:${i}:${j}`, i, { tags: ['hot', `writer:${w}`] })));
        written += 20;
        // Back to the event loop: when the breaker is open (a loaded machine's timeouts) set() answers
        // without I/O, and a loop of microtasks alone would starve every timer and reply (a hang).
        await new Promise((r) => setImmediate(r));
      }
    };
    const invalidate = async (c: number) => {
      for (let round = 0; round < 4; round++) await invalidators[c]!.invalidateTags(round % 2 ? ['hot'] : ['hot', 'writer:1']);
    };
    const writing$ = Promise.all(writers.map((_, w) => write(w)));
    try {
      await Promise.all(invalidators.map((_, c) => invalidate(c)));
    } finally {
      writing = false; // also when invalidation throws (an unfinished exercise): the writers must stop
      await writing$;
    }
    expect(written).toBeGreaterThan(0);

    // Every surviving value is indexed under every one of its tags.
    const alive = await scanAll(ctx.redis, writers[0]!.keys.match('default'));
    const missing: string[] = [];
    for (const key of alive) {
      const w = /:w(\d+):/.exec(key)?.[1];
      for (const tag of w === undefined ? ['hot'] : ['hot', `writer:${w}`]) if (!(await isMember(writers[0]!.keys.tag(tag), key))) missing.push(`${key} not in ${tag}`);
    }
    expect(missing.slice(0, 5)).toEqual([]);
    await invalidators[0]!.invalidateTags(['hot']);
    expect(await scanAll(ctx.redis, writers[0]!.keys.match('default'))).toEqual([]);
  });
});
