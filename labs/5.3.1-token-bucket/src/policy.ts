// Limits are plain data: a list of policies, each naming what it counts by (user, IP, endpoint or a
// combination), its capacity and refill rate. Validated once with zod when the limiter is built.
import { z } from 'zod';
import type { KeyBuilder } from '../../../shared/keys';

export const dimensionSchema = z.enum(['user', 'ip', 'endpoint']);
export type Dimension = z.infer<typeof dimensionSchema>;

export const policySchema = z.object({
  /** Shown in the RateLimit headers, so a token of letters, digits, `-` and `_`. */
  name: z.string().regex(/^[a-z][a-z0-9_-]*$/i, 'letters, digits, - and _'),
  /** What one bucket is per: ['user'] = one bucket per user; ['user', 'endpoint'] = per user per endpoint. */
  by: z.array(dimensionSchema).min(1),
  capacity: z.number().int().positive(),
  refillPerSec: z.number().nonnegative(),
  cost: z.number().int().positive().default(1),
  /** Only for these endpoints (`GET /api/search`); every endpoint when omitted. */
  endpoints: z.array(z.string()).optional(),
});
export type PolicyInput = z.input<typeof policySchema>;
export type Policy = z.output<typeof policySchema>;

export function parsePolicies(input: PolicyInput[]): Policy[] {
  const policies = z.array(policySchema).parse(input);
  const names = new Set<string>();
  for (const p of policies) {
    if (names.has(p.name)) throw new Error(`duplicate policy name ${p.name}`);
    names.add(p.name);
  }
  // Frozen: the header code builds each policy's constant strings once and keeps them.
  return policies.map((p) => Object.freeze(p));
}

/** Who and what a request is, as the middleware sees it. */
export interface RequestIdentity {
  /** Authenticated user, if any: a policy counted by user does not apply to anonymous requests. */
  user?: string;
  ip: string;
  /** `METHOD /path`, e.g. `GET /api/search`. */
  endpoint: string;
}

/** Whether a policy applies to this request (its endpoint filter matches and every dimension is known). */
export function applies(policy: Policy, id: RequestIdentity): boolean {
  if (policy.endpoints && !policy.endpoints.includes(id.endpoint)) return false;
  return policy.by.every((d) => Boolean(id[d]));
}

/** `user=alice,endpoint=GET /api/search`: the bucket's owner, for analytics and top offenders. */
export function subjectOf(policy: Policy, id: RequestIdentity): string {
  let subject = '';
  for (const d of policy.by) subject += `${subject ? ',' : ''}${d}=${id[d]}`;
  return subject;
}

/**
 * The hash tag every bucket key carries. One request is checked against several buckets (its IP's, its
 * user's, its route's) in ONE script, all or nothing, and Redis Cluster runs a script only on keys of
 * one slot. A user's bucket is shared with every IP that user comes from and an IP's with every user
 * behind it, so no per-identity tag can keep a request's buckets together: the limiter's buckets share
 * one tag, and so one slot (one master, plus its replica). The price is that the limiter's decisions
 * are not spread across masters; the README's "On Redis Cluster" weighs that against one call per slot.
 */
export const BUCKET_TAG = 'limiter';

/**
 * The bucket's key: `<prefix>5.3.1:bucket:{limiter}:<policy>:<dim values>` (see BUCKET_TAG).
 */
export function bucketKey(keys: KeyBuilder, policy: Policy, id: RequestIdentity, prefix = bucketKeyPrefix(keys, policy)): string {
  let key = prefix;
  for (const d of policy.by) key += `:${encodeURIComponent(id[d]!)}`;
  return key;
}

/** The part of a policy's bucket keys that is the same for every request (a limiter builds it once). */
export function bucketKeyPrefix(keys: KeyBuilder, policy: Policy): string {
  return keys.tagged('bucket', BUCKET_TAG, policy.name);
}

/** The policy's window for the `w` parameter: seconds to refill an empty bucket (none without refill). */
export function windowSec(policy: Policy): number | undefined {
  return policy.refillPerSec > 0 ? Math.round(policy.capacity / policy.refillPerSec) : undefined;
}
