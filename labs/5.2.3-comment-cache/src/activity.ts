// Activity per post in a sliding window, kept in Redis so every process sees the same number: a sorted
// set of event timestamps (score = time, member = unique id). Trimming and counting ride in the same
// round trip as the read or write they describe (read.lua does the same for reads, in one command);
// dynamic-ttl.ts turns the count into a TTL.
import { randomBytes } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { TtlRule } from './dynamic-ttl';

/** A unique sorted-set member for one event (two events in the same millisecond must both count). */
export function activityMember(now: number): string {
  return `${now}:${randomBytes(4).toString('hex')}`;
}

/**
 * Queues on `tx`: record one event at `now`, drop events older than the window, count what is left.
 * The count is the reply of the third queued command.
 */
export function queueActivity(tx: ChainableCommander, key: string, now: number, rule: TtlRule): ChainableCommander {
  return tx
    .zadd(key, now, activityMember(now))
    .zremrangebyscore(key, '-inf', `(${now - rule.windowMs}`)
    .zcard(key)
    .pexpire(key, rule.windowMs);
}
/** How many replies queueActivity adds, and where the count is among them. */
export const ACTIVITY_REPLIES = 4;
export const ACTIVITY_COUNT_INDEX = 2;
