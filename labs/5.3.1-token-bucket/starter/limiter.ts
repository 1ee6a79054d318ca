// Starter: exercise 3. Check a request against every policy that applies, in ONE bucket call.
import { NotImplementedError } from '../../../shared/errors';
import type { KeyBuilder } from '../../../shared/keys';
import type { TokenBucket } from '../src/bucket';
import type { Limiter } from '../src/limiter';
import type { Policy } from '../src/policy';

export type { Decision, Limiter, PolicyResult } from '../src/limiter';

export function createLimiter(_bucket: TokenBucket, _keys: KeyBuilder, policies: Policy[]): Limiter {
  // Hints: src/policy.ts gives applies(), bucketKey() and subjectOf(). Keep configuration order.
  // A result is `limiting` when its bucket could not pay (retryAfterMs !== 0); nextUnitSec, resetSec
  // and retryAfterSec are whole seconds rounded up (retry at least 1), undefined when they never come.
  return {
    policies,
    check: async () => {
      throw new NotImplementedError('exercise 3: check a request against all its policies in one bucket call');
    },
  };
}
