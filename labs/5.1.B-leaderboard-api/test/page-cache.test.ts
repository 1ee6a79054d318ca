import { describe, expect, it } from 'vitest';
import { createPageCache } from '../src/page-cache';

describe('page micro-cache', () => {
  it('keeps a page for ttl ms of the injected clock, per board and limit, until invalidated', () => {
    const clock = { t: 0 };
    const cache = createPageCache(100, () => clock.t, 2);
    cache.set('b1', 10, 'page-10');
    expect(cache.get('b1', 10)).toBe('page-10');
    expect(cache.get('b1', 20)).toBeUndefined();
    clock.t = 99;
    expect(cache.get('b1', 10)).toBe('page-10');
    clock.t = 100;
    expect(cache.get('b1', 10)).toBeUndefined();
    cache.set('b1', 10, 'again');
    cache.invalidate('b1');
    expect(cache.get('b1', 10)).toBeUndefined();
    cache.set('b1', 1, 'x');
    cache.set('b2', 1, 'y');
    cache.set('b3', 1, 'z'); // over maxBoards: the oldest board goes
    expect([cache.get('b1', 1), cache.get('b2', 1), cache.get('b3', 1)]).toEqual([undefined, 'y', 'z']);
  });

  it('caches nothing with ttl 0', () => {
    const cache = createPageCache(0, () => 0);
    cache.set('b', 1, 'x');
    expect(cache.get('b', 1)).toBeUndefined();
  });
});
