// Test helpers: a session app on an ephemeral port, a JSON client, a hand-moved clock.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { LabContext } from '../../../harness/context';
import { listen } from '../../../shared/http';
import { TEST_SCRYPT } from '../../../shared/password';
import type { KeyBuilder } from '../../../shared/keys';
import { createSessionApp, type SessionAppOptions } from '../src/app';

export const SECRET = 'test-secret-that-is-at-least-32-bytes-long!';

export interface Clock {
  now: () => number;
  advance(ms: number): void;
}

export function manualClock(start = Date.now()): Clock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export interface Res {
  status: number;
  body: any;
}

export interface Client {
  url: string;
  app: Awaited<ReturnType<typeof createSessionApp>>;
  get(path: string, token?: string): Promise<Res>;
  post(path: string, body?: unknown, token?: string): Promise<Res>;
  /** Registers a fresh user and logs in: the token pair. */
  signup(password?: string): Promise<{ email: string; password: string; tokens: any }>;
  login(email: string, password: string): Promise<any>;
  close(): Promise<void>;
}

export async function startApp(ctx: LabContext, opts: Partial<SessionAppOptions> & { keys?: KeyBuilder } = {}): Promise<Client> {
  const app = await createSessionApp({ redis: ctx.redis, pg: ctx.pg, keys: ctx.keys, secret: SECRET, passwordParams: TEST_SCRYPT, cleanup: false, ...opts });
  const server = await listen(app.app);
  const call = async (method: string, path: string, body?: unknown, token?: string): Promise<Res> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const client: Client = {
    url: server.url,
    app,
    get: (path, token) => call('GET', path, undefined, token),
    post: (path, body, token) => call('POST', path, body, token),
    async login(email, password) {
      const r = await client.post('/auth/login', { email, password });
      expectStatus(r, 200);
      return r.body;
    },
    async signup(password = 'correct horse battery') {
      const email = `u${randomBytes(5).toString('hex')}@example.com`;
      expectStatus(await client.post('/auth/register', { email, password }), 201);
      return { email, password, tokens: await client.login(email, password) };
    },
    async close() {
      await server.close();
      await app.close();
    },
  };
  return client;
}

/** Asserts a status and shows the body when it differs (e.g. a starter's "Not implemented yet"). */
export function expectStatus(res: Res, status: number): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
}

/** Asserts a 401 with this error code. */
export function expect401(res: Res, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }, JSON.stringify(res.body)).toEqual({ status: 401, code });
}
