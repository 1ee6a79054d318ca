// Dynamic TTL: a thread's activity (reads + writes in the sliding window) picks its TTL tier. Hot threads
// keep their list longer (fewer reloads of big, busy threads — write-through keeps them correct); cold
// ones expire sooner (no memory spent on threads nobody reads).
import type { CacheInternals, Meta } from './internals';
import { DEFAULT_TTL_RULE, type TtlRule, type TtlTier } from './ttl-rule';

export { DEFAULT_TTL_RULE, type TtlRule, type TtlTier } from './ttl-rule';

/** The TTL for a thread with `activity` events in the window: the highest tier it reaches. */
export function ttlFor(activity: number, rule: TtlRule = DEFAULT_TTL_RULE): TtlTier {
  let tier = rule.tiers[0]!;
  for (const t of rule.tiers) if (activity >= t.minActivity) tier = t;
  return tier;
}

/** The rule in one line, for the demo. */
export function describeRule(rule: TtlRule = DEFAULT_TTL_RULE): string {
  return rule.tiers
    .map((t, i) => {
      const next = rule.tiers[i + 1];
      const range = next ? `${t.minActivity}–${next.minActivity - 1}` : `≥ ${t.minActivity}`;
      return `${t.name}: ${range} reads+writes in the last ${rule.windowMs / 1000} s → TTL ${t.ttlMs / 1000} s`;
    })
    .join('; ');
}

/**
 * When the activity moved a cached thread to another tier, give its list that tier's TTL: a new logical
 * expiry in the meta element (LSET 0) and a new physical PEXPIRE, in one MULTI. Same tier: nothing to do,
 * so a steady thread costs no extra write per read. Returns true when the TTL changed.
 */
export async function retuneTtl(c: CacheInternals, postId: number, meta: Meta | undefined, activity: number): Promise<boolean> {
  if (!meta) return false;
  const tier = ttlFor(activity, c.rule);
  if (tier.name === meta.tier) return false;
  const next: Meta = { ...meta, exp: c.now() + tier.ttlMs, tier: tier.name, ttl: tier.ttlMs };
  const list = c.keys.list(postId);
  try {
    // LSET fails when the list vanished meanwhile: then there is nothing to retune.
    const replies = await c.redis.multi().lset(list, 0, JSON.stringify(next)).pexpire(list, tier.ttlMs + c.staleGraceMs).exec();
    if (!replies || replies.some(([err]) => err)) return false;
  } catch {
    return false;
  }
  c.count('ttl_changes');
  return true;
}
