import { describe, expect, it } from 'vitest';
import { zipf } from '../seed/zipf';

describe('zipf picker', () => {
  it('stays in range, favours low ranks as Zipf(1) does, and repeats for a seed', () => {
    const n = 10_000;
    const z = zipf(n, 1, 7);
    const counts = new Uint32Array(n);
    for (let i = 0; i < 200_000; i++) counts[z.next()]!++;
    // Zipf(1) over 10,000: P(rank 1) = 1 / H(10000) ≈ 0.1023, P(rank 2) ≈ 0.0512.
    expect(counts[0]! / 200_000).toBeCloseTo(0.1023, 2);
    expect(counts[1]! / 200_000).toBeCloseTo(0.0512, 2);
    expect(counts.reduce((a, c) => a + (c > 0 ? 1 : 0), 0)).toBeGreaterThan(5_000);
    const a = zipf(n, 1, 3);
    const b = zipf(n, 1, 3);
    expect(Array.from({ length: 20 }, () => a.next())).toEqual(Array.from({ length: 20 }, () => b.next()));
  });
});
