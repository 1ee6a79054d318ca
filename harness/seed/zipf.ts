// A Zipf-skewed picker over n items (rank 1 most popular): how real key popularity looks, so a bench
// does not measure only the best case of one hot key. Deterministic for a given seed.
export interface ZipfPicker {
  /** A rank from 0 (most popular) to n - 1. */
  next(): number;
}

/** A small, fast PRNG (mulberry32) so runs are repeatable. */
export function seededRandom(seed = 1): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Zipf with exponent `s` (1 is the classic web-cache skew) by inverse CDF and binary search. */
export function zipf(n: number, s = 1, seed = 1): ZipfPicker {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) {
    sum += 1 / k ** s;
    cdf[k - 1] = sum;
  }
  for (let i = 0; i < n; i++) cdf[i]! /= sum;
  const rand = seededRandom(seed);
  return {
    next() {
      const u = rand();
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid]! < u) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
  };
}
