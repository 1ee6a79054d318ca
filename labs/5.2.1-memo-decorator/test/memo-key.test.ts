import { describe, expect, it } from 'vitest';
import { canonicalJson, memoKey } from '../src/memo-key';

const key = (args: unknown[], extra: Partial<Parameters<typeof memoKey>[0]> = {}) => memoKey({ namespace: 'memo', fnName: 'forecast', args, ...extra });

describe('exercise 2: stable, safe, versioned cache keys', () => {
  it('is the same whatever the order of object keys, at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: [1, { x: 1, y: 2 }] }, b: 1 }));
    expect(key(['Oslo', { days: 3, units: 'metric' }])).toBe(key(['Oslo', { units: 'metric', days: 3 }]));
  });

  it('keeps short plain arguments readable', () => {
    expect(key(['Oslo', 3])).toBe('memo:v1:forecast:["Oslo",3]');
  });

  it('tells apart values JSON would blur', () => {
    const variants = [[1], ['1'], [null], [undefined], [], [[1]], [new Date(0)], [0n], [Number.NaN], [{}]];
    const keys = new Set(variants.map((a) => key(a)));
    expect(keys.size).toBe(variants.length);
    expect(key([{ a: 1, b: undefined }])).toBe(key([{ a: 1 }]));
  });

  it('hashes long or unusual arguments into a short printable key', () => {
    const long = key(['x'.repeat(10_000)]);
    const spaced = key(['São Paulo\nline two']);
    for (const k of [long, spaced]) {
      expect(k).toMatch(/^memo:v1:forecast:#[0-9a-f]{40}$/);
    }
    expect(key(['x'.repeat(10_000)])).toBe(long);
    expect(key(['x'.repeat(10_001)])).not.toBe(long);
  });

  it('changes with the version and the function name', () => {
    const base = key(['Oslo']);
    expect(key(['Oslo'], { version: 2 })).not.toBe(base);
    expect(key(['Oslo'], { fnName: 'history' })).not.toBe(base);
    expect(key(['Oslo'], { version: 2 })).toBe(key(['Oslo'], { version: 2 }));
  });

  it('sorts Map and Set contents so insertion order does not matter', () => {
    expect(canonicalJson(new Set(['b', 'a']))).toBe(canonicalJson(new Set(['a', 'b'])));
    expect(canonicalJson(new Map([['b', 1], ['a', 2]]))).toBe(canonicalJson(new Map([['a', 2], ['b', 1]])));
  });

  it('refuses values that have no stable text (functions)', () => {
    expect(key([1])).toBe('memo:v1:forecast:[1]');
    expect(() => memoKey({ namespace: 'm', fnName: 'f', args: [() => 1] })).toThrow(TypeError);
  });
});
