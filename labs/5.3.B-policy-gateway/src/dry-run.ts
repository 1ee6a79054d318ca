// "What would this change have done to the last hour?" Replays the recorded decisions (the stream)
// through in-memory token buckets twice — under the policies in force and under the proposed ones —
// and compares how many requests each would have allowed, per tier. Only requests that reached the
// limiter are in the stream, so this answers for the traffic the gateway actually saw.
import type { DecisionEvent } from './analytics';
import { planFor } from './plan';
import type { Snapshot } from './policy';

export interface ReplayCounts {
  allowed: number;
  denied: number;
  byTier: Record<string, { allowed: number; denied: number }>;
}

export interface DryRunResult {
  events: number;
  current: ReplayCounts;
  proposed: ReplayCounts;
  /** Identities that would be denied more under the proposal (top 10). */
  newlyDenied: Array<{ identity: string; requests: number }>;
}

export function replay(snap: Snapshot, events: DecisionEvent[]): { counts: ReplayCounts; deniedBy: Map<string, number> } {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const counts: ReplayCounts = { allowed: 0, denied: 0, byTier: {} };
  const deniedBy = new Map<string, number>();
  for (const e of events) {
    const plan = planFor(snap, { id: e.identity, tenant: '', tier: e.tier, keyId: e.keyId || undefined }, e.method, e.route);
    const state = plan.limits.map((l) => {
      const id = `${e.identity}|${l.bucket}`;
      const b = buckets.get(id) ?? { tokens: l.capacity, at: e.at };
      const tokens = Math.min(l.capacity, b.tokens + Math.max(0, e.at - b.at) * (l.perSec / 1000));
      return { id, l, tokens };
    });
    const allowed = state.every((s) => s.l.shadow || s.tokens >= plan.cost);
    for (const s of state) buckets.set(s.id, { tokens: allowed && s.tokens >= plan.cost ? s.tokens - plan.cost : s.tokens, at: e.at });
    const t = (counts.byTier[e.tier] ??= { allowed: 0, denied: 0 });
    if (allowed) {
      counts.allowed++;
      t.allowed++;
    } else {
      counts.denied++;
      t.denied++;
      deniedBy.set(e.identity, (deniedBy.get(e.identity) ?? 0) + 1);
    }
  }
  return { counts, deniedBy };
}

export function dryRun(current: Snapshot, proposed: Snapshot, events: DecisionEvent[]): DryRunResult {
  const before = replay(current, events);
  const after = replay(proposed, events);
  const newlyDenied = [...after.deniedBy]
    .map(([identity, n]) => ({ identity, requests: n - (before.deniedBy.get(identity) ?? 0) }))
    .filter((x) => x.requests > 0)
    .sort((a, b) => b.requests - a.requests)
    .slice(0, 10);
  return { events: events.length, current: before.counts, proposed: after.counts, newlyDenied };
}
