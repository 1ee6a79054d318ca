// Test helpers: an app on an ephemeral port with an injected clock, and a fetch that returns the body.
import { expect } from 'vitest';
import { listen, type Listening } from '../../../shared/http';
import type { KeyBuilder } from '../../../shared/keys';
import { createLimitedApp, type LimitedAppOptions } from '../src/app';
import type { RedisClient } from '../../../shared/redis-client';

export interface Clock {
  now: () => number;
  advance(ms: number): void;
}

/** A clock that only moves when the test says so. */
export function manualClock(start = 1_700_000_000_000): Clock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export interface Served {
  url: string;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

/** The admin token the test apps accept on /limits/stats (`authorization: Bearer …`). */
export const TEST_ADMIN_TOKEN = 'test-admin-token-5.3.1';

export async function serve(redis: RedisClient, keys: KeyBuilder, opts: Partial<LimitedAppOptions> = {}): Promise<Served> {
  const limited = createLimitedApp({ redis, keys, adminToken: TEST_ADMIN_TOKEN, ...opts });
  const server: Listening = await listen(limited.app);
  return {
    url: server.url,
    async get(path, headers = {}) {
      const res = await fetch(server.url + path, { headers });
      return { status: res.status, headers: res.headers, body: await res.json() };
    },
    async close() {
      await server.close();
      await limited.close();
    },
  };
}

/** Asserts a status and shows the body when it differs (e.g. a starter's "Not implemented yet"). */
export function expectStatus(res: { status: number; body: unknown }, status: number): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
}
