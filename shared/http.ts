// The HTTP app factory every lab service uses: JSON bodies, zod validation, one error shape
// `{ error: { code, message, details? } }` with a 4xx status, Prometheus metrics on /metrics.
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import { z, ZodError, type ZodType } from 'zod';
import { AppError } from './errors';
import { isRedisUnavailable, RedisUnavailableError } from './redis-client';

export interface AppOptions {
  /** Used as the metrics prefix and in logs. */
  name: string;
  /** Largest accepted JSON body. */
  bodyLimit?: string;
  /** Expose Prometheus metrics on GET /metrics (default true). */
  metrics?: boolean;
}

export interface AppWithMetrics extends Express {
  locals: Express['locals'] & { metrics: client.Registry };
}

/** An express 5 app with JSON parsing and /metrics. Call `finishApp(app)` after adding routes. */
export function createApp(opts: AppOptions): AppWithMetrics {
  const app = express() as AppWithMetrics;
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  const registry = new client.Registry();
  app.locals.metrics = registry;
  if (opts.metrics !== false) {
    const metricName = opts.name.replace(/[^a-zA-Z0-9_]/g, '_');
    const requests = new client.Counter({
      name: `${metricName}_http_requests_total`,
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    });
    app.use((req, res, next) => {
      res.on('finish', () => {
        const route = (req.route?.path as string | undefined) ?? 'unmatched';
        requests.inc({ method: req.method, route: `${req.baseUrl}${route}`, status: res.statusCode });
      });
      next();
    });
    app.get('/metrics', async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    });
  }
  app.use(express.json({ limit: opts.bodyLimit ?? '100kb' }));
  return app;
}

/** Adds the JSON 404 and the error handler. Must be called after every route is registered. */
export function finishApp(app: Express): Express {
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } });
  });
  app.use(errorHandler);
  return app;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Maps any thrown value to a status and the shared error body. Only a real bug is a 500. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; retryAfter?: number } {
  // Redis that did not answer is an outage, not a bug: 503 + Retry-After, never the driver's text.
  if (!(err instanceof AppError) && isRedisUnavailable(err)) err = new RedisUnavailableError();
  if (err instanceof RedisUnavailableError) {
    return { status: 503, retryAfter: err.retryAfterSeconds, body: { error: { code: err.code, message: err.message } } };
  }
  if (err instanceof AppError) {
    return { status: err.status, body: { error: { code: err.code, message: err.message, details: err.details } } };
  }
  if (err instanceof ZodError) {
    return {
      status: 400,
      body: { error: { code: 'validation_failed', message: formatZodError(err), details: err.issues } },
    };
  }
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.parse.failed') {
    return { status: 400, body: { error: { code: 'invalid_json', message: 'request body is not valid JSON' } } };
  }
  if (e?.type === 'entity.too.large') {
    return { status: 413, body: { error: { code: 'payload_too_large', message: 'request body is too large' } } };
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return { status: e.status, body: { error: { code: 'bad_request', message: e.message ?? 'bad request' } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } } };
}

type ReqLog = { error(o: unknown, m: string): void; warn(o: unknown, m: string): void };

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const { status, body, retryAfter } = toErrorResponse(err);
  const log = (req as { log?: ReqLog }).log;
  // A deliberate 503 (an outage) is one warn line without a stack; only a real bug logs at error level.
  if (status === 503) log?.warn({ code: body.error.code }, body.error.message);
  else if (status >= 500) {
    if (log) log.error({ err }, 'unhandled error');
    else console.error(err);
  }
  if (res.headersSent) return;
  if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
  res.status(status).json(body);
};

/** One line per issue: `body.score: Expected number, received string`. */
export function formatZodError(err: ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
}

export interface RequestSchemas {
  params?: ZodType;
  query?: ZodType;
  body?: ZodType;
}

export interface Validated<S extends RequestSchemas> {
  params: S['params'] extends ZodType ? z.output<S['params']> : Record<string, string>;
  query: S['query'] extends ZodType ? z.output<S['query']> : Record<string, unknown>;
  body: S['body'] extends ZodType ? z.output<S['body']> : unknown;
}

/**
 * Parses params, query and body with zod before the handler runs; a bad request is a 400 with the
 * issues as details. The parsed values are on `res.locals.valid`.
 */
export function validate<S extends RequestSchemas>(schemas: S): RequestHandler {
  return (req, res, next) => {
    try {
      res.locals.valid = {
        params: schemas.params ? schemas.params.parse(req.params) : req.params,
        query: schemas.query ? schemas.query.parse(req.query) : req.query,
        body: schemas.body ? schemas.body.parse(req.body ?? {}) : req.body,
      };
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** The values `validate` parsed, typed by the same schemas. */
export function valid<S extends RequestSchemas>(res: { locals: Record<string, unknown> }, _schemas: S): Validated<S> {
  return res.locals.valid as Validated<S>;
}

export interface Listening {
  server: http.Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0 = ephemeral) and returns the URL plus a close that ends keep-alive sockets. */
export async function listen(app: http.RequestListener | Express, port = 0, host = '127.0.0.1'): Promise<Listening> {
  const server = http.createServer(app as http.RequestListener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://${host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
