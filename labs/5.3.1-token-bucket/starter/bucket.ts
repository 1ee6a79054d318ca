// Starter: exercise 1. Finish token-bucket.lua beside this file and call it (its KEYS/ARGV layout
// and its reply) once per decision. `npm run grade 5.3.1 -- --impl starter` shows what is left.
import { NotImplementedError } from '../../../shared/errors';
import type { TokenBucket, TokenBucketOptions } from '../src/bucket';
import type { RedisClient } from '../../../shared/redis-client';

export type { BucketSpec, BucketState, TakeResult, TokenBucket, TokenBucketOptions } from '../src/bucket';

export function createTokenBucket(_redis: RedisClient, _opts: TokenBucketOptions = {}): TokenBucket {
  // Hints: luaCommand(redis, `tb_take${n}`, new URL('./token-bucket.lua', import.meta.url), n)
  // defines one command per key count n. ARGV is [capacity, refill per second, cost per bucket, then
  // opts.now() in ms only when a clock is injected]. The reply is [allowed, now, then remaining,
  // reset_ms, retry_ms, next_ms per bucket]. A denied take's retryAfterMs is the largest bucket retry,
  // or -1 if any bucket can never pay. (src/bucket.ts also sends an optional deadline after the clock
  // slot, so a call that reaches a thawed Redis too late charges nothing; leave it out here.)
  return {
    take: async () => {
      throw new NotImplementedError('exercise 1: take tokens from every bucket in one call of token-bucket.lua');
    },
  };
}
