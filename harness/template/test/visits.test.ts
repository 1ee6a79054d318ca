import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { createVisitCounter } from '../src/visits';

let ctx: LabContext;
beforeAll(async () => {
  ctx = await createTestContext('__LAB_ID__', { services: ['redis'] });
});
afterAll(() => ctx.dispose());

describe('exercise 1: record a visit', () => {
  it('counts every visit', async () => {
    const v = createVisitCounter(ctx.redis, ctx.keys);
    await v.record('a', 'u1');
    expect(await v.record('a', 'u1')).toBe(2);
  });
});

describe('exercise 2: unique visitors', () => {
  it('counts each visitor once', async () => {
    const v = createVisitCounter(ctx.redis, ctx.keys);
    for (const u of ['x', 'y', 'x']) await v.record('b', u);
    expect(await v.unique('b')).toBe(2);
  });
});
