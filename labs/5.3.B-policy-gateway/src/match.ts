// Exercise 1: which rule applies to a request. The gateway matches a request to one of its route
// patterns first (express does, with its own case and trailing-slash rules); the rule is chosen from
// that *pattern*, never from the URL as typed, so `/ORDERS/7/`, `/orders/%37` and `HEAD /orders/7`
// all meet the rule of `GET /orders/:id` — no spelling the router accepts escapes it.
import type { Rule } from './policy';

/** HEAD is answered by GET handlers, so it is limited as GET. */
export function normalizeMethod(method: string): string {
  const m = method.toUpperCase();
  return m === 'HEAD' ? 'GET' : m;
}

/**
 * The most specific rule for a method and a matched route pattern, or undefined.
 * Specificity: an exact pattern beats a prefix (`/orders/*`), a longer prefix beats a shorter one, any
 * prefix beats `*`; at equal route specificity a named method beats `*`; then the smaller id (stable).
 */
export function matchRule(rules: readonly Rule[], method: string, routePattern: string): Rule | undefined {
  const m = normalizeMethod(method);
  let best: Rule | undefined;
  let bestScore = -1;
  for (const rule of rules) {
    if (rule.method !== '*' && rule.method !== m) continue;
    const routeScore = routeSpecificity(rule.route, routePattern);
    if (routeScore < 0) continue;
    const score = routeScore * 2 + (rule.method === '*' ? 0 : 1);
    if (score > bestScore || (score === bestScore && best && rule.id < best.id)) {
      best = rule;
      bestScore = score;
    }
  }
  return best;
}

/** -1: no match; 0: `*`; 1 + prefix length: a prefix; a large number: the exact pattern. */
function routeSpecificity(ruleRoute: string, pattern: string): number {
  if (ruleRoute === '*') return 0;
  if (ruleRoute === pattern) return 1_000_000;
  if (ruleRoute.endsWith('/*')) {
    const base = ruleRoute.slice(0, -2);
    if (pattern === base || pattern.startsWith(`${base}/`)) return 1 + base.length;
  }
  return -1;
}
