// The multi-bucket check: every policy that applies to a request becomes one bucket, and all of them
// are checked (and charged) in ONE call of the token bucket script.
import type { KeyBuilder } from '../../../shared/keys';
import type { TokenBucket } from './bucket';
import { applies, bucketKey, bucketKeyPrefix, subjectOf, type Policy, type RequestIdentity } from './policy';

export interface PolicyResult {
  policy: Policy;
  /** `user=alice`: whose bucket it is. */
  subject: string;
  remaining: number;
  /** Seconds until at least one more unit can be had: the RateLimit field's `t` (undefined: never). */
  nextUnitSec?: number;
  /** Seconds until the bucket is full again: the legacy X-RateLimit-Reset (undefined: never). */
  resetSec?: number;
  /** True when this bucket could not pay: it is (one of) the reason(s) for a denial. */
  limiting: boolean;
}

export interface Decision {
  allowed: boolean;
  /** The decision's clock, ms since the epoch. */
  now: number;
  /** When denied: seconds until a retry can succeed (undefined: never, e.g. no refill). */
  retryAfterSec?: number;
  /** One entry per applicable policy, in configuration order. */
  results: PolicyResult[];
}

export interface Limiter {
  readonly policies: Policy[];
  check(id: RequestIdentity): Promise<Decision>;
}

export function createLimiter(bucket: TokenBucket, keys: KeyBuilder, policies: Policy[]): Limiter {
  const prefixes = new Map(policies.map((p) => [p, bucketKeyPrefix(keys, p)]));
  return {
    policies,
    async check(id) {
      const active = policies.filter((p) => applies(p, id));
      const taken = await bucket.take(
        active.map((p) => ({ key: bucketKey(keys, p, id, prefixes.get(p)), capacity: p.capacity, refillPerSec: p.refillPerSec, cost: p.cost })),
      );
      const results = active.map((policy, i): PolicyResult => {
        const b = taken.buckets[i]!;
        return {
          policy,
          subject: subjectOf(policy, id),
          remaining: b.remaining,
          nextUnitSec: b.nextUnitMs < 0 ? undefined : Math.ceil(b.nextUnitMs / 1000),
          resetSec: b.resetMs < 0 ? undefined : Math.ceil(b.resetMs / 1000),
          limiting: b.retryAfterMs !== 0,
        };
      });
      return {
        allowed: taken.allowed,
        now: taken.now,
        retryAfterSec: taken.allowed ? 0 : taken.retryAfterMs < 0 ? undefined : Math.max(1, Math.ceil(taken.retryAfterMs / 1000)),
        results,
      };
    },
  };
}
