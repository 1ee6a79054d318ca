// Express middleware around the limiter: allowed -> next() with RateLimit headers; denied -> 429 with a
// JSON error and Retry-After. When Redis does not answer, the configured failure mode decides.
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../../../shared/errors';
import { rateLimitHeaders } from './headers';
import type { Limiter } from './limiter';
import type { RequestIdentity } from './policy';
import type { LimitStats } from './stats';
import { deadline } from './timeout';

/**
 * `open` (the default): when Redis is down, requests go through unlimited. A limiter protects capacity;
 * turning a Redis outage into a full API outage is usually the worse failure. Choose `closed` where
 * one unlimited minute costs real money or safety (login brute force, SMS or payment endpoints).
 */
export type FailMode = 'open' | 'closed';

export interface RateLimitOptions {
  limiter: Limiter;
  failMode?: FailMode;
  /** Add X-RateLimit-Limit/-Remaining/-Reset next to the draft's fields. */
  legacyHeaders?: boolean;
  /**
   * Give up on Redis after this long and apply the failure mode (default 500 ms; checked every
   * timeoutMs / 4, at most 100 ms, so a stalled call fails that much later at worst). Too short, and
   * an overloaded Redis turns into unlimited traffic when failing open.
   */
  timeoutMs?: number;
  identify?: (req: Request) => RequestIdentity;
  stats?: LimitStats;
  log?: Logger;
}

/** The endpoint of a request no route matched: one name for all of them, so stats stay bounded. */
export const NO_ROUTE = '(no route)';

/**
 * The endpoint a limit keys on: what the router matched, not the raw path. `/API/Search/` and
 * `/api/search` are one route (Express matches case-insensitively and ignores a trailing slash), so
 * they share one bucket; HEAD is the GET it runs. Needs `req.route`, so the middleware must sit in the
 * route (`app.get('/api/search', limit, handler)`); anywhere else the request counts as NO_ROUTE.
 * Register routes with their full path on the app: a mounted router's `req.baseUrl` is the raw text.
 */
export function routeEndpoint(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern !== 'string') return NO_ROUTE;
  return `${req.method === 'HEAD' ? 'GET' : req.method} ${req.baseUrl}${pattern}`;
}

/**
 * Default identity: the user from `x-user-id` (in a real app, whatever the auth middleware set), the
 * client IP, and the matched route (`GET /api/search`) as the endpoint.
 */
export function defaultIdentify(req: Request): RequestIdentity {
  const user = req.get('x-user-id') || undefined;
  return { user, ip: req.ip ?? req.socket.remoteAddress ?? 'unknown', endpoint: routeEndpoint(req) };
}

export function rateLimit(opts: RateLimitOptions): RequestHandler {
  const failMode = opts.failMode ?? 'open';
  const identify = opts.identify ?? defaultIdentify;
  const withTimeout = deadline(opts.timeoutMs ?? 500);
  const headerOpts = { legacy: opts.legacyHeaders };
  let lastWarn = 0;

  return async (req, res, next) => {
    const id = identify(req);
    let decision;
    try {
      decision = await withTimeout(opts.limiter.check(id));
    } catch (err) {
      // Our own typed errors (a learner's NotImplemented, a bad config) are bugs, not outages.
      if (err instanceof AppError) return next(err);
      opts.stats?.recordFailure(failMode);
      if (Date.now() - lastWarn > 1000) {
        lastWarn = Date.now();
        opts.log?.warn({ err: (err as Error).message, failMode }, `rate limiter unavailable: failing ${failMode}`);
      }
      if (failMode === 'open') return next();
      res.set('Retry-After', '1');
      res.status(503).json({ error: { code: 'rate_limiter_unavailable', message: 'rate limiting is unavailable; try again shortly' } });
      return;
    }
    const headers = rateLimitHeaders(decision, headerOpts);
    for (const name in headers) res.setHeader(name, headers[name]!);
    opts.stats?.record(decision, id.endpoint);
    if (decision.allowed) return next();
    const limiting = decision.results.filter((r) => r.limiting).map((r) => r.policy.name);
    res.status(429).json({
      error: {
        code: 'too_many_requests',
        message: `rate limit exceeded (${limiting.join(', ')})`,
        details: { policies: limiting, retryAfterSec: decision.retryAfterSec ?? null },
      },
    });
  };
}
