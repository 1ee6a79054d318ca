// The token bucket caller: one EVALSHA of token-bucket.lua per decision, however many buckets a
// request is checked against. The script does all the arithmetic; this file only lays out KEYS/ARGV
// and reads the reply.
import { luaCommand } from '../../../shared/lua';
import type { RedisClient } from '../../../shared/redis-client';

export interface BucketSpec {
  /** The bucket's Redis key (a 16-byte string per bucket: tokens and ms, two packed doubles). */
  key: string;
  /** Most tokens the bucket holds: the largest burst an idle client may spend at once. */
  capacity: number;
  /** Tokens added per second (0: the bucket never refills). */
  refillPerSec: number;
  /** Tokens this request costs (default 1). */
  cost?: number;
}

export interface BucketState {
  /** Whole tokens left after this decision. */
  remaining: number;
  /** Milliseconds until the bucket is full again; -1 when it never refills. */
  resetMs: number;
  /** Milliseconds until this bucket could pay the cost; 0 if it can now, -1 if never. */
  retryAfterMs: number;
  /** Milliseconds until one more whole token than `remaining` can be had; -1 if never. */
  nextUnitMs: number;
}

export interface TakeResult {
  allowed: boolean;
  /** The clock the script decided with (ms): the injected one, or the Redis server's TIME. */
  now: number;
  /** One state per spec, in the same order. */
  buckets: BucketState[];
  /** When denied: ms until every bucket could pay (-1: never). 0 when allowed. */
  retryAfterMs: number;
}

export interface TokenBucket {
  /** Checks (and, when all can pay, charges) every bucket in one atomic round trip. */
  take(specs: BucketSpec[]): Promise<TakeResult>;
}

export interface TokenBucketOptions {
  /**
   * The clock in ms. Omit it to let the script read Redis `TIME` (one clock for every app instance, so
   * skewed app servers cannot mint tokens); give one to make tests and demos deterministic.
   */
  now?: () => number;
}

const SCRIPT = new URL('./token-bucket.lua', import.meta.url);

export function createTokenBucket(redis: RedisClient, opts: TokenBucketOptions = {}): TokenBucket {
  // defineCommand needs a fixed key count, so there is one command per bucket count actually used.
  const commands = new Map<number, ReturnType<typeof luaCommand<number[]>>>();
  const command = (n: number) => {
    let cmd = commands.get(n);
    if (!cmd) commands.set(n, (cmd = luaCommand<number[]>(redis, `tb_take${n}`, SCRIPT, n)));
    return cmd;
  };

  // Redis TIME minus this host's clock, from the last reply: lets a call carry a deadline on Redis's
  // clock (the client's command timeout after sending), so a call that arrives after the client gave
  // up charges nothing. Only without an injected clock, and only with a command timeout.
  let offsetMs: number | undefined;
  const o = redis.options as { commandTimeout?: number; redisOptions?: { commandTimeout?: number } };
  const giveUpMs = o.commandTimeout ?? o.redisOptions?.commandTimeout;

  return {
    async take(specs) {
      if (specs.length === 0) return { allowed: true, now: opts.now?.() ?? Date.now(), buckets: [], retryAfterMs: 0 };
      const keys: string[] = [];
      const args: Array<string | number> = [];
      // The rate goes in per second, as configured: the script divides by 1000 (it works in ms), and
      // an integer rate formats cheaply where tokens per ms would be a float.
      for (const s of specs) {
        keys.push(s.key);
        args.push(s.capacity, s.refillPerSec, s.cost ?? 1);
      }
      // An injected clock goes last; without one the script reads Redis TIME. Then the deadline, when
      // known (+100 ms for the offset's error, at most half a round trip).
      if (opts.now) args.push(Math.floor(opts.now()));
      else if (giveUpMs && offsetMs !== undefined) args.push('', Math.round(Date.now() + offsetMs + giveUpMs + 100));
      const reply = await command(specs.length)(keys, args);
      if (!opts.now) offsetMs = Number(reply[1]) - Date.now();
      const allowed = reply[0] === 1;
      const buckets: BucketState[] = specs.map((_, i) => ({
        remaining: Number(reply[2 + i * 4]),
        resetMs: Number(reply[3 + i * 4]),
        retryAfterMs: Number(reply[4 + i * 4]),
        nextUnitMs: Number(reply[5 + i * 4]),
      }));
      let retryAfterMs = 0;
      if (!allowed) for (const b of buckets) retryAfterMs = retryAfterMs < 0 || b.retryAfterMs < 0 ? -1 : Math.max(retryAfterMs, b.retryAfterMs);
      return { allowed, now: Number(reply[1]), buckets, retryAfterMs };
    },
  };
}
