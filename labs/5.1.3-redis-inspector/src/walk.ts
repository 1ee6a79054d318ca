// The walk every command shares: SCAN batches (exercise 1), each described in one pipeline, with a
// progress estimate against DBSIZE.
import type { RedisClient } from '../../../shared/redis-client';
import { ValidationError } from '../../../shared/errors';
import { mastersOf } from './nodes';
import { inspectKeys, scanKeys, type KeyInfo } from './scan';

export interface WalkOptions {
  /** SCAN COUNT hint (default 1,000). */
  count?: number;
  /** MEMORY USAGE SAMPLES (default: Redis's 5; 0 = every element, exact but slow on big keys). */
  samples?: number;
  /**
   * Called after each SCAN call. MATCH filters after the walk, so progress is counted in slots
   * visited (≈ calls × COUNT) against DBSIZE, not in matching keys.
   */
  onProgress?(visited: number, total: number): void;
}

export interface WalkResult {
  /** Keys that matched the pattern and still existed when inspected. */
  matched: number;
  /** DBSIZE when the walk began (summed over the masters of a cluster). */
  total: number;
  /** How many servers were walked (1, or the masters of a cluster). */
  masters: number;
}

export async function walkKeys(redis: RedisClient, pattern: string, opts: WalkOptions, onBatch: (infos: KeyInfo[]) => void): Promise<WalkResult> {
  checkPattern(pattern);
  const count = positiveInt(opts.count ?? 1_000, 'count');
  // A cluster's keyspace is the sum of its masters' (replicas hold copies, not more keys).
  const masters = mastersOf(redis);
  const total = (await Promise.all(masters.map((m) => m.dbsize()))).reduce((a, b) => a + b, 0);
  let matched = 0;
  let calls = 0;
  // While one batch's pipeline is in flight, the next SCAN is already on its way: two round trips
  // overlap instead of following each other. Batches are still handed over in order.
  let inFlight: Promise<void> = Promise.resolve();
  for (const node of masters) {
    for await (const batch of scanKeys(node, pattern, { count })) {
      calls++;
      const visited = Math.min(total, calls * count);
      const prev = inFlight;
      // The batch came from this master's SCAN, so this master holds every key of it: one pipeline.
      const inspected = inspectKeys(node, batch, opts.samples);
      inspected.catch(() => {}); // a failure surfaces when awaited below, never as an unhandled rejection
      inFlight = (async () => {
        await prev;
        const infos = await inspected;
        matched += infos.length;
        onBatch(infos);
        opts.onProgress?.(visited, total);
      })();
      inFlight.catch(() => {});
      await prev; // at most one batch waiting: memory stays bounded
    }
  }
  await inFlight;
  opts.onProgress?.(total, total);
  return { matched, total, masters: masters.length };
}

/**
 * Redis accepts any MATCH pattern, but an empty one or an unclosed `[` is almost certainly a typo
 * (and a shell that ate the `*`): refuse them instead of scanning for nothing.
 */
export function checkPattern(pattern: string): void {
  if (!pattern) throw new ValidationError('the pattern is empty (quote it: "user:*")');
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
  }
  if (inClass) throw new ValidationError(`bad pattern "${pattern}": unclosed [ (escape it as \\[ to match a bracket)`);
}

export function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new ValidationError(`--${name} must be a positive whole number (got ${n})`);
  return n;
}
