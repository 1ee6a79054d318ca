// Activity per post in a sliding window, kept in Redis so every process sees the same number: a sorted
// set of event timestamps (score = time, member = unique id). Trimming and counting ride in the same
// round trip as the read or write they describe (activity.lua for reads, pipelined with the LRANGE;
// queueActivity for the write's MULTI); dynamic-ttl.ts turns the count into a TTL.
//
// The log keeps only the newest `cap` events, cap = the highest tier's threshold: past it the tier
// cannot rise, so the count min(events in window, cap) picks the same TTL as the full count, and a hot
// thread's set stays a few dozen members (a compact listpack) instead of one per read for a whole window.
import { randomBytes } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { TtlRule } from './ttl-rule';

/** A unique sorted-set member for one event (two events in the same millisecond must both count). */
export function activityMember(now: number): string {
  return `${now}:${randomBytes(4).toString('hex')}`;
}

/** How many events the log keeps: enough to reach the highest tier, no more. */
export function activityCap(rule: TtlRule): number {
  return Math.max(1, ...rule.tiers.map((t) => t.minActivity));
}

/**
 * Queues on `tx`: record one event at `now`, drop events older than the window and beyond the cap,
 * count what is left. The count is the reply at ACTIVITY_COUNT_INDEX of the ACTIVITY_REPLIES queued.
 */
export function queueActivity(tx: ChainableCommander, key: string, now: number, rule: TtlRule): ChainableCommander {
  return tx
    .zadd(key, now, activityMember(now))
    .zremrangebyscore(key, '-inf', `(${now - rule.windowMs}`)
    .zremrangebyrank(key, 0, -(activityCap(rule) + 1))
    .zcard(key)
    .pexpire(key, rule.windowMs);
}
/** How many replies queueActivity adds, and where the count is among them. */
export const ACTIVITY_REPLIES = 5;
export const ACTIVITY_COUNT_INDEX = 3;
