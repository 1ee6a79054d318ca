// Per-request cache traces for debugging: a request that carries the admin key and `X-Cache-Trace: 1`
// gets an `X-Cache-Trace` response header listing every cache decision it caused (resource, key,
// outcome, where the value came from, ms). The trace lives in an AsyncLocalStorage, so the cache
// records into it without any parameter threading; requests without it pay one lookup per read.
import { AsyncLocalStorage } from 'node:async_hooks';
import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';

/**
 * Where a value came from: the in-process L1, Redis, Postgres (a load), a stale entry, Redis after
 * waiting for another process's load; for metadata also the metadata service, or nothing (fallback: null).
 */
export type TraceSource = 'l1' | 'redis' | 'postgres' | 'stale' | 'lock-wait' | 'metadata-service' | 'fallback';

export interface TraceEntry {
  resource: string;
  key: string;
  outcome: string;
  from: TraceSource;
  ms: number;
}

/** Entries kept per request: the header stays small whatever a route does. */
const MAX_ENTRIES = 20;

const store = new AsyncLocalStorage<TraceEntry[]>();

export function recordTrace(entry: TraceEntry): void {
  const trace = store.getStore();
  if (trace && trace.length < MAX_ENTRIES) trace.push({ ...entry, ms: Math.round(entry.ms * 100) / 100 });
}

/** Constant-time comparison of the request's X-Admin-Key with the configured key; no key configured → false. */
export function hasAdminKey(req: Request, adminKey: string | undefined): boolean {
  if (!adminKey) return false;
  const given = Buffer.from(req.get('x-admin-key') ?? '');
  const want = Buffer.from(adminKey);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Mount before the routes: traced requests run inside the trace's context; the header is set just before the body is sent. */
export function cacheTrace(adminKey: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (req.get('x-cache-trace') !== '1' || !hasAdminKey(req, adminKey)) return next();
    const trace: TraceEntry[] = [];
    // res.json ends in res.send too: one hook covers both.
    const send = res.send.bind(res);
    res.send = (body) => {
      if (!res.headersSent) res.set('X-Cache-Trace', JSON.stringify(trace));
      return send(body);
    };
    store.run(trace, next);
  };
}
