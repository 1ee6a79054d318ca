// Test set-up: downstream processes, a seeded policy store and gateway instances on a test context.
import { expect } from 'vitest';
import type { LabContext } from '../../../harness/context';
import type { GatewayConfigInput } from '../src/config';
import { startDownstreams, type DownstreamProcess } from '../src/downstream';
import { startInstance, type InstanceSpec, type RunningInstance } from '../src/instance';
import type { Rule, Tier } from '../src/policy';
import { PolicyStore } from '../src/store';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export const TEST_TIERS: Tier[] = [
  { name: 'anonymous', limits: [{ window: 'day', limit: 1_000 }], failMode: 'closed', upgradeHint: 'get a key' },
  { name: 'free', limits: [{ window: 'day', limit: 5 }], failMode: 'open', upgradeHint: 'upgrade to pro' },
  { name: 'pro', limits: [{ window: 'day', limit: 100 }], failMode: 'open', upgradeHint: 'talk to sales' },
];

export const TEST_RULES: Rule[] = [{ id: 'order', method: 'GET', route: '/orders/:id', cost: 1, limits: [{ window: 'day', limit: 3 }], shadow: false }];

export function testConfig(downstreams: DownstreamProcess[], extra: Partial<GatewayConfigInput> = {}): GatewayConfigInput {
  return {
    // Generous timeouts (a shared CI machine can be slow); the 504 test makes one downstream slower still.
    downstreams: downstreams.map((d) => ({ name: d.name, url: d.url, timeoutMs: d.name === 'orders' ? 1_000 : 3_000 })),
    routes: [
      { pattern: '/orders', downstream: 'orders' },
      { pattern: '/orders/:id', downstream: 'orders' },
      { pattern: '/search', downstream: 'search' },
      { pattern: '/stream', downstream: 'search' },
      { pattern: '/payments', downstream: 'payments' },
    ],
    adminKey: ADMIN_KEY,
    pollMs: 200,
    breaker: { minVolume: 4, failureThreshold: 0.5, coolDownMs: 60_000, halfOpenProbes: 1 },
    ...extra,
  };
}

export function specFor(ctx: LabContext, config: GatewayConfigInput, redisUrl = ctx.services.redis.url): InstanceSpec {
  return { redisUrl, postgresUrl: ctx.services.postgres.url, schema: ctx.schema, prefix: ctx.prefix, config };
}

export async function seed(ctx: LabContext, tiers = TEST_TIERS, rules = TEST_RULES): Promise<PolicyStore> {
  const store = new PolicyStore(ctx.pg);
  await store.migrate();
  await store.seedDefaults(tiers, rules);
  return store;
}

export async function startTestGateway(ctx: LabContext, config: GatewayConfigInput, redisUrl?: string): Promise<RunningInstance> {
  const gw = await startInstance(specFor(ctx, config, redisUrl), ctx.log);
  ctx.onDispose(() => gw.close());
  return gw;
}

export async function downstreamsFor(ctx: LabContext, names = ['orders', 'search', 'payments']): Promise<DownstreamProcess[]> {
  const ds = await startDownstreams(names);
  ctx.onDispose(() => Promise.all(ds.map((d) => d.stop())));
  return ds;
}

export function admin(url: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

/**
 * Waits for an eventual value (a reload, a page update). Generous: it is a wait, not a timing claim —
 * on a shared two-core machine a page or a process can be slow; the bench measures the speed.
 */
export function poll<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 10_000, interval: 25 });
}
