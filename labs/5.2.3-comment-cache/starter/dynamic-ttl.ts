// Starter: exercise 1 — the dynamic TTL rule. `npm run grade 5.2.3 -- --impl starter`.
// Dynamic TTL: a thread's activity (reads + writes in the sliding window) picks its TTL tier. Hot threads
// keep their list longer (fewer reloads of big, busy threads — write-through keeps them correct); cold
// ones expire sooner (no memory spent on threads nobody reads).
import { NotImplementedError } from '../../../shared/errors';
import type { CacheInternals, Meta } from '../src/internals';
import { DEFAULT_TTL_RULE, type TtlRule, type TtlTier } from '../src/ttl-rule';

export { DEFAULT_TTL_RULE, type TtlRule, type TtlTier } from '../src/ttl-rule';

/** The TTL for a thread with `activity` events in the window: the highest tier it reaches. */
export function ttlFor(_activity: number, _rule: TtlRule = DEFAULT_TTL_RULE): TtlTier {
  throw new NotImplementedError('exercise 1: ttlFor (the highest tier whose minActivity the activity reaches)');
}

/** The rule in one line, for the demo. */
export function describeRule(rule: TtlRule = DEFAULT_TTL_RULE): string {
  return rule.tiers.map((t) => `${t.name}: ≥ ${t.minActivity} events in ${rule.windowMs / 1000} s → TTL ${t.ttlMs / 1000} s`).join('; ');
}

/**
 * When the activity moved a cached thread to another tier (compare ttlFor(activity).name with
 * meta.tier), give its list that tier's TTL in ONE MULTI: LSET element 0 to the meta with a new
 * `exp` (c.now() + ttl), `tier` and `ttl`, and PEXPIRE the list to ttl + c.staleGraceMs. Count
 * 'ttl_changes' (c.count) and return true when it changed; return false for the same tier, a missing
 * meta, or a Redis error (LSET fails when the list vanished meanwhile).
 */
export async function retuneTtl(_c: CacheInternals, _postId: number, _meta: Meta | undefined, _activity: number): Promise<boolean> {
  throw new NotImplementedError('exercise 1: retuneTtl (LSET the meta + PEXPIRE when the tier changes)');
}
