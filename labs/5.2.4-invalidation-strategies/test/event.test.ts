import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../harness/ports';
import type { LayeredStrategy } from '../src/strategies/event';
import { openLab, type Lab } from './helpers';

let lab: Lab;
beforeAll(async () => {
  lab = await openLab();
});
afterAll(() => lab.dispose());

describe('event-based invalidation', () => {
  it('a write makes the invalidator process drop Redis and both instances drop their L1', async () => {
    const d = lab.deploy('event');
    await d.startWorker({ separateProcess: true }); // the invalidator runs as its own OS process
    const a = (await d.instance({ instance: 'A' })) as LayeredStrategy;
    const b = (await d.instance({ instance: 'B' })) as LayeredStrategy;
    await a.read(11);
    await b.read(11);
    expect(a.l1.has(11) && b.l1.has(11)).toBe(true);
    expect(await lab.ctx.redis.exists(d.keys.key('product', 11))).toBe(1);

    await a.write(11, { priceCents: 1111 });
    await waitFor(() => !a.l1.has(11) && !b.l1.has(11), { what: 'both L1 copies to be dropped' });
    expect(await lab.ctx.redis.exists(d.keys.key('product', 11))).toBe(0);
    expect((await a.read(11))!.priceCents).toBe(1111);
    expect((await b.read(11))!.priceCents).toBe(1111);
    // Other products' L1 entries are untouched: once 13's drop has arrived, 12 is still there.
    await a.read(12);
    await a.read(13);
    await a.write(13, { priceCents: 1313 });
    await waitFor(() => !a.l1.has(13), { what: "product 13's L1 copy to be dropped" });
    expect(a.l1.has(12)).toBe(true);
  });

  it('without a worker nothing is dropped: the event is the only path', async () => {
    const d = lab.deploy('event');
    const a = (await d.instance()) as LayeredStrategy;
    await a.read(14);
    await a.write(14, { priceCents: 1414 });
    expect(a.l1.has(14)).toBe(true);
    expect((await a.read(14))!.priceCents).not.toBe(1414);
  });
});

describe('combined (TTL + event + SWR)', () => {
  it('a write reaches both instances through the invalidator', async () => {
    const d = lab.deploy('combined');
    await d.startWorker();
    const a = (await d.instance()) as LayeredStrategy;
    const b = (await d.instance()) as LayeredStrategy;
    await a.read(15);
    await b.read(15);
    await b.write(15, { name: 'Combined' });
    await waitFor(() => !a.l1.has(15) && !b.l1.has(15), { what: 'both L1 copies to be dropped' });
    expect((await a.read(15))!.name).toBe('Combined');
  });
});
