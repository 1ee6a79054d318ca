// The dynamic TTL rule's shape and default, apart from the code that applies it (dynamic-ttl.ts), so the
// cache's shared internals can name the rule without importing that code back.

export interface TtlTier {
  name: string;
  /** Events in the window from which this tier applies. */
  minActivity: number;
  ttlMs: number;
}

export interface TtlRule {
  /** The sliding window, e.g. the last 60 s. */
  windowMs: number;
  /** Ascending by minActivity; the first starts at 0. */
  tiers: TtlTier[];
}

export const DEFAULT_TTL_RULE: TtlRule = {
  windowMs: 60_000,
  tiers: [
    { name: 'cold', minActivity: 0, ttlMs: 15_000 },
    { name: 'warm', minActivity: 10, ttlMs: 60_000 },
    { name: 'hot', minActivity: 50, ttlMs: 300_000 },
  ],
};
