// Starter for lab 5.3.B, exercise 1: which rule applies to a request.
// Grade your progress with: npm run grade 5.3.B -- --impl starter
import { NotImplementedError } from '../../../shared/errors';
import type { Rule } from '../src/policy';

/** HEAD is answered by GET handlers, so it is limited as GET. */
export function normalizeMethod(method: string): string {
  const m = method.toUpperCase();
  return m === 'HEAD' ? 'GET' : m;
}

/**
 * Exercise 1. Return the most specific rule for `method` (normalize it first) and the route *pattern*
 * the router matched (e.g. `/orders/:id`), or undefined when none applies.
 * - rule.method must be `*` or equal the method;
 * - rule.route: `*` matches every pattern; `/orders/*` matches `/orders` and every pattern under
 *   `/orders/` (not `/ordersx`); anything else must equal the pattern exactly;
 * - specificity: exact pattern > longer prefix > shorter prefix > `*`; at equal route specificity a
 *   named method beats `*`; remaining ties go to the smaller id, whatever the order of `rules`.
 */
export function matchRule(_rules: readonly Rule[], _method: string, _routePattern: string): Rule | undefined {
  throw new NotImplementedError('exercise 1: matchRule — the most specific rule for a matched route pattern');
}
