// Response caching for express routes. The key is method + path + sorted query + the headers the
// response varies on; authenticated requests, `Cache-Control: no-cache`, non-GET methods and non-2xx
// answers are never cached. Every answer says what happened: `X-Cache: HIT | MISS | STALE | BYPASS`
// and, for cached ones, `Age` in seconds.
// Stale-while-revalidate at the HTTP level: while ONE request regenerates an expired page, the others
// get the stale copy; and when regenerating fails with a 5xx, the stale copy is served instead.
import type { Request, RequestHandler, Response } from 'express';
import type { SmartCache } from '../cache';
import type { Entry } from '../entry';

export interface CachedResponse {
  status: number;
  type?: string;
  body: string | Buffer;
}

export interface ResponseCacheOptions {
  ttl: number;
  grace?: number;
  namespace?: string;
  /** Request headers that change the response (e.g. accept-language): part of the key. */
  vary?: string[];
  /** Tags for the stored response, e.g. `['products']` so a product update drops the lists. */
  tags?: (req: Request) => string[];
  now?: () => number;
}

export function responseKey(req: Request, vary: string[] = []): string {
  const url = req.originalUrl;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  let key = `${req.method} ${path}`;
  if (q >= 0) {
    const params = [...new URLSearchParams(url.slice(q + 1))].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
    if (params.length) key += `?${new URLSearchParams(params).toString()}`;
  }
  for (const h of vary) key += `|${h}=${req.get(h) ?? ''}`;
  return key;
}

function skipReason(req: Request): string | undefined {
  if (req.method !== 'GET') return 'method';
  if (req.headers.authorization || req.headers['x-api-key'] || req.headers.cookie) return 'authenticated';
  const cc = req.headers['cache-control'];
  if (cc && /no-cache|no-store/i.test(cc)) return 'no-cache';
  return undefined;
}

export function responseCache(cache: SmartCache, opts: ResponseCacheOptions): RequestHandler {
  const namespace = opts.namespace ?? 'http';
  const now = opts.now ?? Date.now;
  const regenerating = new Set<string>();

  const reply = (res: Response, entry: Entry<CachedResponse>, state: 'HIT' | 'STALE') => {
    const r = entry.value;
    res.status(r.status);
    res.setHeader('X-Cache', state);
    res.setHeader('Age', String(Math.max(0, Math.floor((now() - entry.createdAt) / 1000))));
    if (r.type) res.setHeader('Content-Type', r.type);
    res.end(r.body);
  };

  return async (req, res, next) => {
    if (skipReason(req)) {
      res.setHeader('X-Cache', 'BYPASS');
      return next();
    }
    let key: string;
    let found: Awaited<ReturnType<SmartCache['peek']>>;
    try {
      key = responseKey(req, opts.vary);
      found = await cache.peek<CachedResponse>(key, { namespace });
    } catch {
      res.setHeader('X-Cache', 'BYPASS'); // an unusable key (e.g. control characters): just serve it
      return next();
    }
    const stale = found as { entry: Entry<CachedResponse>; state: 'fresh' | 'stale' } | undefined;
    if (stale?.state === 'fresh') return reply(res, stale.entry, 'HIT');
    if (stale && regenerating.has(key)) return reply(res, stale.entry, 'STALE');

    regenerating.add(key);
    res.on('close', () => regenerating.delete(key));
    res.setHeader('X-Cache', 'MISS');
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      res.send = send;
      regenerating.delete(key);
      if (res.statusCode >= 500 && stale) {
        reply(res, stale.entry, 'STALE');
        return res;
      }
      if (res.statusCode >= 200 && res.statusCode < 300 && (typeof body === 'string' || Buffer.isBuffer(body))) {
        const value: CachedResponse = { status: res.statusCode, type: res.get('Content-Type'), body };
        cache.set(key, value, { namespace, ttl: opts.ttl, grace: opts.grace, tags: opts.tags?.(req) }).catch(() => {});
      }
      return send(body);
    };
    next();
  };
}
