// What a client is told: IETF RateLimit-Policy / RateLimit fields for the enforced limits, and RFC 9457
// problem details (application/problem+json) naming the policy, the tier and how to get more.
import type { ServerResponse } from 'node:http';
import { sfString } from '../../5.3.1-token-bucket/src/headers';
import type { LimitDecision } from './limiter';
import type { Plan } from './plan';

export const PROBLEM_BASE = 'https://workbook.example/problems/';

/** `"pro-minute";q=600;w=60` and `"pro-minute";r=12;t=1`, one item per enforced limit. */
export function rateLimitFields(decision: LimitDecision): Record<string, string> {
  const enforced = decision.results.filter((r) => !r.limit.shadow);
  if (enforced.length === 0) return {};
  const policy = enforced.map((r) => `${sfString(r.limit.name)};q=${r.limit.capacity};w=${r.limit.windowSec}`).join(', ');
  const rate = enforced.map((r) => `${sfString(r.limit.name)};r=${r.remaining}${r.nextMs >= 0 ? `;t=${Math.ceil(r.nextMs / 1000)}` : ''}`).join(', ');
  return { 'RateLimit-Policy': policy, RateLimit: rate };
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

export function sendProblem(res: ServerResponse, problem: Problem, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const body = JSON.stringify(problem);
  res.writeHead(problem.status, { ...headers, 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function rateLimited(plan: Plan, decision: LimitDecision, requestId: string): Problem {
  const denied = decision.results.filter((r) => r.short && !r.limit.shadow).map((r) => r.limit.name);
  return {
    type: `${PROBLEM_BASE}rate-limited`,
    title: 'Too many requests',
    status: 429,
    detail: `limit ${denied.join(', ')} of tier ${plan.tier.name} is used up; retry in ${decision.retryAfterSec} s`,
    instance: requestId,
    policy: denied[0],
    policies: denied,
    tier: plan.tier.name,
    rule: plan.rule?.id ?? null,
    retryAfter: decision.retryAfterSec,
    upgrade: plan.tier.upgradeHint || null,
  };
}

export function limiterUnavailable(plan: Plan, requestId: string): Problem {
  return {
    type: `${PROBLEM_BASE}limiter-unavailable`,
    title: 'Rate limiter unavailable',
    status: 503,
    detail: `limits for tier ${plan.tier.name} cannot be checked right now and this policy fails closed; retry shortly`,
    instance: requestId,
    tier: plan.tier.name,
    rule: plan.rule?.id ?? null,
    retryAfter: 1,
  };
}

export function circuitOpen(downstream: string, reason: string, retryAfter: number, requestId: string): Problem {
  return {
    type: `${PROBLEM_BASE}circuit-open`,
    title: 'Downstream unavailable',
    status: 503,
    detail: `the circuit to ${downstream} is open (${reason || 'too many failures'}); retry in ${retryAfter} s`,
    instance: requestId,
    downstream,
    retryAfter,
  };
}

export function upstreamFailed(downstream: string, timedOut: boolean, requestId: string): Problem {
  return {
    type: `${PROBLEM_BASE}${timedOut ? 'upstream-timeout' : 'upstream-error'}`,
    title: timedOut ? 'Downstream timed out' : 'Downstream unreachable',
    status: timedOut ? 504 : 502,
    detail: timedOut ? `${downstream} did not answer in time` : `${downstream} could not be reached`,
    instance: requestId,
    downstream,
  };
}

export function invalidKey(requestId: string): Problem {
  return { type: `${PROBLEM_BASE}invalid-api-key`, title: 'Invalid API key', status: 401, detail: 'the API key is unknown or revoked', instance: requestId };
}
