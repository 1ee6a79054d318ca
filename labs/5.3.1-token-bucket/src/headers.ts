// Response headers, per the IETF "RateLimit header fields for HTTP" draft: two structured fields
// (RFC 9651 lists of items), one item per policy that applied.
//   RateLimit-Policy: "per-user";q=100;w=60      quota q per window w seconds
//   RateLimit: "per-user";r=42;t=1               r units available; for t seconds no more than r
// For a token bucket, q is the capacity and w the time to refill an empty bucket; t is the time until
// the next whole token (draft-10: "until additional quota is made available"), so a denial's
// Retry-After is never earlier than t, as the draft asks. Optionally the legacy X-RateLimit-* trio,
// which can only describe one policy (the most restrictive), with Reset = when that bucket is full.
import type { Decision } from './limiter';
import { windowSec, type Policy } from './policy';

export interface HeaderOptions {
  /** Also send X-RateLimit-Limit / -Remaining / -Reset (Reset in epoch seconds, like GitHub's). */
  legacy?: boolean;
}

/** An RFC 9651 sf-string: double quotes, with `\` and `"` escaped. */
export function sfString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

// A policy's part of the fields never changes, so it is built once per policy, not per request:
// its whole RateLimit-Policy item and the `"name";r=` head of its RateLimit item.
const constant = new WeakMap<Policy, { policyItem: string; rateHead: string }>();
function constantParts(policy: Policy) {
  let parts = constant.get(policy);
  if (!parts) {
    const w = windowSec(policy);
    const name = sfString(policy.name);
    parts = { policyItem: `${name};q=${policy.capacity}${w === undefined ? '' : `;w=${w}`}`, rateHead: `${name};r=` };
    constant.set(policy, parts);
  }
  return parts;
}

export function rateLimitHeaders(decision: Decision, opts: HeaderOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  if (decision.results.length === 0) return headers;
  let policyField = '';
  let rateField = '';
  for (const r of decision.results) {
    const { policyItem, rateHead } = constantParts(r.policy);
    const sep = policyField ? ', ' : '';
    policyField += sep + policyItem;
    rateField += sep + rateHead + r.remaining + (r.nextUnitSec === undefined ? '' : `;t=${r.nextUnitSec}`);
  }
  headers['RateLimit-Policy'] = policyField;
  headers['RateLimit'] = rateField;
  if (!decision.allowed && decision.retryAfterSec !== undefined) headers['Retry-After'] = String(decision.retryAfterSec);
  if (opts.legacy) {
    // The tightest policy is the one with the fewest units left.
    const tightest = decision.results.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    headers['X-RateLimit-Limit'] = String(tightest.policy.capacity);
    headers['X-RateLimit-Remaining'] = String(tightest.remaining);
    if (tightest.resetSec !== undefined) headers['X-RateLimit-Reset'] = String(Math.ceil(decision.now / 1000) + tightest.resetSec);
  }
  return headers;
}
