import { describe, expect, it } from 'vitest';
import { LruCache } from '../src/lru';

const clock = (start = 1_000) => {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe('exercise 1: the hand-written LRU', () => {
  it('evicts the least recently used entry when full', () => {
    const evicted: string[] = [];
    const lru = new LruCache<string, number>({ max: 3, onEvict: (k) => evicted.push(k) });
    lru.set('a', 1).set('b', 2).set('c', 3);
    lru.set('d', 4);
    expect(evicted).toEqual(['a']);
    expect(lru.get('a')).toBeUndefined();
    expect(lru.keys()).toEqual(['b', 'c', 'd']);
    expect(lru.stats()).toMatchObject({ size: 3, evictions: 1 });
  });

  it('a get makes an entry the most recently used', () => {
    const lru = new LruCache<string, number>({ max: 3 });
    lru.set('a', 1).set('b', 2).set('c', 3);
    expect(lru.get('a')).toBe(1);
    expect(lru.keys()).toEqual(['b', 'c', 'a']);
    lru.set('d', 4);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
  });

  it('an update replaces the value and moves the key to most recent, without evicting', () => {
    const lru = new LruCache<string, number>({ max: 2 });
    lru.set('a', 1).set('b', 2).set('a', 10);
    expect(lru.size).toBe(2);
    expect(lru.keys()).toEqual(['b', 'a']);
    lru.set('c', 3);
    expect(lru.get('a')).toBe(10);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.stats().evictions).toBe(1);
  });

  it('expires entries after their TTL on the injected clock', () => {
    const c = clock();
    const lru = new LruCache<string, string>({ max: 10, ttlMs: 1_000, now: c.now });
    lru.set('short', 'x', 100);
    lru.set('default', 'y');
    c.advance(99);
    expect(lru.get('short')).toBe('x');
    c.advance(1);
    expect(lru.get('short')).toBeUndefined();
    expect(lru.get('default')).toBe('y');
    c.advance(900);
    expect(lru.get('default')).toBeUndefined();
    expect(lru.size).toBe(0);
    expect(lru.stats().expirations).toBe(2);
  });

  it('a ttl of 0 never expires; capacity 1 keeps only the newest', () => {
    const c = clock();
    const lru = new LruCache<string, number>({ max: 1, now: c.now });
    lru.set('a', 1, 0);
    c.advance(1e12);
    expect(lru.get('a')).toBe(1);
    lru.set('b', 2);
    expect(lru.keys()).toEqual(['b']);
  });

  it('keeps exactly max entries through many inserts', () => {
    const lru = new LruCache<number, number>({ max: 100 });
    for (let i = 0; i < 10_000; i++) lru.set(i, i);
    expect(lru.size).toBe(100);
    expect(lru.keys()[0]).toBe(9_900);
    expect(lru.stats().evictions).toBe(9_900);
  });
});

describe('LRU options', () => {
  it('rejects a capacity below 1', () => {
    expect(() => new LruCache({ max: 0 })).toThrow(RangeError);
  });
});
