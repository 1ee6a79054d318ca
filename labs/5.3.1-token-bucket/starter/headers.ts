// Starter: exercise 2. Format the IETF RateLimit header fields for a decision.
import { NotImplementedError } from '../../../shared/errors';
import type { HeaderOptions } from '../src/headers';
import type { Decision } from '../src/limiter';

export type { HeaderOptions } from '../src/headers';

/** An RFC 9651 sf-string: double quotes, with `\` and `"` escaped. (Given.) */
export function sfString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function rateLimitHeaders(_decision: Decision, _opts: HeaderOptions = {}): Record<string, string> {
  // Hints: one list member per result, joined with ", ".
  //   RateLimit-Policy: "<name>";q=<capacity>;w=<windowSec(policy)>   (no w without refill)
  //   RateLimit:        "<name>";r=<remaining>;t=<nextUnitSec>        (no t without refill)
  //   Retry-After on a denial; with opts.legacy, X-RateLimit-Limit/-Remaining/-Reset (epoch seconds,
  //   from resetSec) for the result with the fewest remaining. No results: no headers at all.
  throw new NotImplementedError('exercise 2: format RateLimit-Policy, RateLimit, Retry-After and legacy headers');
}
