// Response caching for express routes. The key is method + the matched route + the query parameters and
// headers the route allows (an allow-list: everything else the client sends is ignored, so a client
// cannot mint entries with made-up parameters or header values); authenticated requests,
// `Cache-Control: no-cache`, non-GET methods and non-2xx answers are never cached. Every answer says what happened: `X-Cache: HIT | MISS | STALE | BYPASS`
// and, for cached ones, `Age` in seconds.
// Stale-while-revalidate at the HTTP level: while ONE request regenerates an expired page, the others
// get the stale copy; and when regenerating fails with a 5xx, the stale copy is served instead.
// No stampede on a cold key: concurrent misses of one key share one run of the route. The first request
// (the leader) runs it; the others wait for the answer it stores and get `X-Cache: MISS` with
// `X-Cache-Shared: 1`. This is cache.fill, the miss path of getOrSet: single-flight in the process, the
// Redis lock + bus wake-up across processes.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ZodType } from 'zod';
import { NotImplementedError } from '../../../../shared/errors';
import type { CallOptions, SmartCache } from '../cache';
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
  /**
   * The query parameters that make a variant, as the route's zod schema: the key holds what it parses
   * (unknown parameters dropped, values coerced, defaults filled in), so `?limit=04` and `?limit=4&x=1`
   * are one entry. A query it refuses is not cached (BYPASS: the route answers it). Without a schema the
   * query string is not part of the key at all.
   */
  query?: ZodType<Record<string, unknown>>;
  /** The same for route parameters (`/products/:id`); without it the router's raw values are used. */
  params?: ZodType<Record<string, unknown>>;
  /**
   * Request headers that make a variant, each with the values that count (e.g. `{ 'accept-language':
   * ['en', 'fr'] }`): the first listed value the header names (or its primary subtag: `fr-CH` → `fr`)
   * is the variant; any other value is the default variant. Other headers never change the key.
   */
  vary?: Record<string, readonly string[]>;
  /** Tags for the stored response, e.g. `['products']` so a product update drops the lists. */
  tags?: (req: Request) => string[];
  now?: () => number;
}

/** A request that cannot be cached as asked (its query or parameters do not parse). */
class UnkeyableRequest extends Error {}

/** `a=1&b=2` from an object, keys sorted, undefined values left out. */
function canonical(values: Record<string, unknown>): string {
  const entries = Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
  return new URLSearchParams(entries).toString();
}

/** The variant a header value selects among `allowed` ('' = the default one). */
export function headerVariant(value: string | undefined, allowed: readonly string[]): string {
  if (!value) return '';
  for (const part of value.slice(0, 256).split(',')) {
    const token = part.split(';')[0]!.trim().toLowerCase();
    if (allowed.includes(token)) return token;
    const primary = token.split('-')[0]!;
    if (allowed.includes(primary)) return primary;
  }
  return '';
}

/**
 * The cache key: method + the route the router matched (its pattern, so `/PRODUCTS/` is `/products`)
 * + the parsed parameters and query + the allowed header variants. Nothing else the client sends.
 */
export function responseKey(req: Request, opts: Pick<ResponseCacheOptions, 'query' | 'params' | 'vary'> = {}): string {
  const route = req.route as { path?: unknown } | undefined;
  const path = typeof route?.path === 'string' ? req.baseUrl + route.path : (req.baseUrl + req.path).toLowerCase().replace(/(.)\/+$/, '$1');
  let key = `${req.method} ${path}`;
  const parse = (schema: ZodType<Record<string, unknown>> | undefined, input: unknown) => {
    if (!schema) return undefined;
    const r = schema.safeParse(input);
    if (!r.success) throw new UnkeyableRequest();
    return r.data;
  };
  const params = parse(opts.params, req.params) ?? (route ? req.params : undefined);
  if (params && Object.keys(params).length) key += ` ${canonical(params)}`;
  const query = parse(opts.query, req.query);
  if (query) {
    const q = canonical(query);
    if (q) key += `?${q}`;
  }
  for (const [h, allowed] of Object.entries(opts.vary ?? {})) key += `|${h.toLowerCase()}=${headerVariant(req.get(h), allowed)}`;
  return key;
}

function skipReason(req: Request): string | undefined {
  if (req.method !== 'GET') return 'method';
  if (req.headers.authorization || req.headers['x-api-key'] || req.headers.cookie) return 'authenticated';
  const cc = req.headers['cache-control'];
  if (cc && /no-cache|no-store/i.test(cc)) return 'no-cache';
  return undefined;
}

/** The route's answer cannot be cached (not a 2xx string/Buffer sent with res.send, or none at all). */
class UncacheableResponse extends Error {
  constructor(readonly status: number) {
    super(`response ${status} is not cacheable`);
  }
}

/**
 * Runs the rest of the route; the response goes out as the route writes it. Resolves with the answer
 * when it is a cacheable 2xx, rejects (UncacheableResponse) otherwise, also when the response ends
 * without res.send. `instead(status)` may answer in its place (returns true: then nothing is cached).
 */
function runRoute(res: Response, next: NextFunction, instead?: (status: number) => boolean): Promise<CachedResponse> {
  return new Promise((resolve, reject) => {
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      // An object or number goes through res.json, which comes back here with the JSON string.
      if ((typeof body === 'object' && body !== null && !ArrayBuffer.isView(body)) || typeof body === 'number' || typeof body === 'boolean') return send(body);
      res.send = send;
      const status = res.statusCode; // read before send: a conditional GET turns it into a 304
      if (instead?.(status)) {
        reject(new UncacheableResponse(status));
        return res;
      }
      send(body);
      if (status >= 200 && status < 300 && (typeof body === 'string' || Buffer.isBuffer(body))) resolve({ status, type: res.get('Content-Type'), body });
      else reject(new UncacheableResponse(status));
      return res;
    };
    res.once('close', () => reject(new UncacheableResponse(res.statusCode))); // res.end, a stream, a client gone
    next();
  });
}

export function responseCache(cache: SmartCache, opts: ResponseCacheOptions): RequestHandler {
  const namespace = opts.namespace ?? 'http';
  const now = opts.now ?? Date.now;
  const regenerating = new Set<string>();
  const callOpts = (req: Request): CallOptions => ({ namespace, ttl: opts.ttl, grace: opts.grace, tags: opts.tags?.(req) });

  const reply = (res: Response, entry: Entry<CachedResponse>, state: 'HIT' | 'STALE' | 'MISS') => {
    const r = entry.value;
    res.status(r.status);
    res.setHeader('X-Cache', state);
    res.setHeader('Age', String(Math.max(0, Math.floor((now() - entry.createdAt) / 1000))));
    if (r.type) res.setHeader('Content-Type', r.type);
    res.end(r.body);
  };

  /** Runs the route for this request alone and caches a 2xx answer (nobody waits for it). */
  const runAlone = (req: Request, res: Response, next: NextFunction, key: string, instead?: (status: number) => boolean) => {
    res.setHeader('X-Cache', 'MISS');
    runRoute(res, next, instead)
      .then((value) => cache.set(key, value, callOpts(req)))
      .catch(() => {});
  };

  /**
   * Nothing cached: one request runs the route, the concurrent ones wait for the answer it stores.
   * A leader whose answer is not a cacheable 2xx (a 4xx, a 5xx, a thrown error, no res.send) stored
   * nothing; that answer was its own and is never handed to the waiters as if it were the page: each
   * waiter runs the route itself (as nginx's proxy_cache_lock and Varnish's hit-for-miss do). A 503 from
   * a hiccup then does not become 100 users' 503, and no more requests reach the database than before.
   * Waiters in other processes notice the lock go away and one of them loads next.
   */
  const coldMiss = async (req: Request, res: Response, next: NextFunction, key: string) => {
    let ran = false;
    let closed = false;
    res.once('close', () => (closed = true));
    const load = () => {
      ran = true;
      if (closed) return Promise.reject(new UncacheableResponse(499)); // the client left while we waited
      res.setHeader('X-Cache', 'MISS');
      return runRoute(res, next);
    };
    let entry: Entry<CachedResponse>;
    try {
      entry = await cache.fill<CachedResponse>(key, load, callOpts(req));
    } catch (err) {
      if (ran) return; // the leader: its own answer has gone out
      if (err instanceof NotImplementedError) return next(err); // an unfinished exercise must surface
      return runAlone(req, res, next, key);
    }
    if (ran) return;
    res.setHeader('X-Cache-Shared', '1');
    reply(res, entry, 'MISS');
  };

  return async (req, res, next) => {
    if (skipReason(req)) {
      res.setHeader('X-Cache', 'BYPASS');
      return next();
    }
    let key: string;
    let found: Awaited<ReturnType<SmartCache['peek']>>;
    try {
      key = responseKey(req, opts);
      found = await cache.peek<CachedResponse>(key, { namespace });
    } catch {
      // A query the schema refuses (the route answers it, e.g. 400) or an unusable key: just serve it.
      res.setHeader('X-Cache', 'BYPASS');
      return next();
    }
    const stale = found as { entry: Entry<CachedResponse>; state: 'fresh' | 'stale' } | undefined;
    if (stale?.state === 'fresh') return reply(res, stale.entry, 'HIT');
    if (!stale) return coldMiss(req, res, next, key);
    if (regenerating.has(key)) return reply(res, stale.entry, 'STALE');

    // Stale: this request regenerates (one per process; the others get STALE meanwhile).
    regenerating.add(key);
    res.on('close', () => regenerating.delete(key));
    runAlone(req, res, next, key, (status) => {
      regenerating.delete(key);
      if (status < 500) return false;
      reply(res, stale.entry, 'STALE'); // a 5xx while a stale copy exists: the stale copy is better
      return true;
    });
  };
}
