// HTTP load: serve an app on an ephemeral port and drive it with autocannon from a separate process.
// Every HTTP ratio in a report divides by a bare express route measured in the same run.
import type { Express } from 'express';
import express from 'express';
import type http from 'node:http';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listen } from '../shared/http';

export interface LoadOptions {
  /** Path (and query) to hit, e.g. `/articles/42`. */
  path?: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  body?: unknown;
  headers?: Record<string, string>;
  /** Seconds of load (default 5). */
  duration?: number;
  /** Concurrent connections (default 50). */
  connections?: number;
  pipelining?: number;
  /** Several request shapes cycled in order (autocannon `requests`). */
  requests?: Array<{ method?: string; path: string; body?: string; headers?: Record<string, string> }>;
}

export interface LoadResult {
  requestsPerSec: number;
  /** Milliseconds. */
  latency: { p50: number; p97_5: number; p99: number; max: number; mean: number };
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSec: number;
}

/** Drives a URL that is already listening. */
export function loadUrl(baseUrl: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const headers = { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
  const options = {
    url: baseUrl + (opts.path ?? '/'),
    method: opts.method ?? 'GET',
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    headers,
    duration: opts.duration ?? 5,
    connections: opts.connections ?? 50,
    pipelining: opts.pipelining ?? 1,
    requests: opts.requests,
  };
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./load-worker.mjs', import.meta.url)), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
    child.once('message', (result: LoadResult) => resolve(result));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
    child.send(options);
  });
}

/** Serves `app` on an ephemeral port, applies the load, and closes it again. */
export async function loadApp(app: Express | http.RequestListener, opts: LoadOptions = {}): Promise<LoadResult> {
  const server = await listen(app);
  try {
    return await loadUrl(server.url, opts);
  } finally {
    await server.close();
  }
}

/** The yardstick: an express route that does nothing but answer a small JSON body. */
export function createBareApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/bare', (_req, res) => {
    res.json({ ok: true });
  });
  return app;
}

export interface ComparedLoad {
  bare: LoadResult;
  subject: LoadResult;
  /** subject req/s ÷ bare req/s, the number students compare across machines. */
  ratio: number;
}

/** Measures the bare route and then `app`, with the same load settings, in the same run. */
export async function loadAgainstBare(app: Express | http.RequestListener, opts: LoadOptions = {}): Promise<ComparedLoad> {
  const bare = await loadApp(createBareApp(), { ...opts, path: '/bare', method: 'GET', body: undefined, requests: undefined });
  const subject = await loadApp(app, opts);
  return { bare, subject, ratio: subject.requestsPerSec / bare.requestsPerSec };
}
