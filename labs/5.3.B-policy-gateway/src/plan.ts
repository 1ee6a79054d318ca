// From a request's identity and matched route to the list of limits one Lua call decides: the tier's
// (or the key's override), then the matched rule's, each a token bucket under the identity's hash tag.
import { matchRule } from './match';
import { WINDOW_SECONDS, type FailMode, type Limit, type Rule, type Snapshot, type Tier } from './policy';

export interface Identity {
  /** `key:<id>` or `ip:<address>`: the hash tag every bucket of this identity lives under. */
  id: string;
  tenant: string;
  tier: string;
  keyId?: string;
}

export interface PlannedLimit {
  /** Shown in RateLimit-Policy, e.g. `pro-minute` or `rule-search-second`. */
  name: string;
  /** Bucket id below the identity's tag: `t:minute` (tier) or `r:<rule>:minute`. */
  bucket: string;
  capacity: number;
  perSec: number;
  windowSec: number;
  shadow: boolean;
}

export interface Plan {
  tier: Tier;
  rule?: Rule;
  cost: number;
  limits: PlannedLimit[];
  failMode: FailMode;
}

export function planFor(snap: Snapshot, identity: Identity, method: string, routePattern: string): Plan {
  const tier = snap.tiers.get(identity.tier) ?? { name: identity.tier, limits: [], failMode: 'closed' as const, upgradeHint: '' };
  const rule = matchRule(snap.rules, method, routePattern);
  const globalShadow = snap.settings.shadow;
  const override = identity.keyId ? snap.overrides.get(identity.keyId) : undefined;
  const limits: PlannedLimit[] = [];
  for (const l of override?.limits ?? tier.limits) limits.push(planned(`${tier.name}-${l.window}`, `t:${l.window}`, l, globalShadow));
  if (rule) {
    for (const l of rule.limits) limits.push(planned(`${rule.id}-${l.window}`, `r:${rule.id}:${l.window}`, l, globalShadow || rule.shadow));
  }
  return { tier, rule, cost: rule?.cost ?? 1, limits, failMode: rule?.failMode ?? tier.failMode };
}

function planned(name: string, bucket: string, l: Limit, shadow: boolean): PlannedLimit {
  const windowSec = WINDOW_SECONDS[l.window];
  return { name, bucket, capacity: l.burst ?? l.limit, perSec: l.limit / windowSec, windowSec, shadow };
}
