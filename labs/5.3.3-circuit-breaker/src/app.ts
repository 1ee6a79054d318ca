// `npm run lab 5.3.3 -- serve`: the flaky downstream under /downstream, a gateway (/checkout) that
// calls it through the shared `payments` breaker with a fallback, and the admin API under /admin.
// The address checkout calls comes from configuration only (never from the request), breakers exist
// only for the configured names, and every route that changes behaviour needs the admin key.
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { KeyBuilder } from '../../../shared/keys';
import { createApp, finishApp, listen, type Listening } from '../../../shared/http';
import { adminRouter, type ApiKeys } from './admin';
import type { BreakerOptions } from './breaker';
import { callDownstream, createDownstream, type Downstream } from './downstream';
import { BreakerRegistry } from './registry';
import type { RedisClient } from '../../../shared/redis-client';

export interface GatewayOptions {
  redis: RedisClient;
  subscriber?: RedisClient;
  keys: KeyBuilder;
  log?: Logger;
  apiKeys: ApiKeys;
  /**
   * Where payments lives. Default: the built-in flaky downstream (also mounted at /downstream),
   * served on its own ephemeral loopback port — an address the gateway chose, never one a request names.
   */
  downstreamUrl?: string;
  /** The breakers that may exist (the admin API answers 404 for any other name); `payments` always. */
  breakerNames?: string[];
  breaker?: Partial<Omit<BreakerOptions, 'name' | 'redis' | 'keys'>>;
}

type CheckoutResult = { source: 'downstream'; ok: true; paidAt: number } | { source: 'fallback'; ok: true; queued: true; because: string };

export interface Gateway {
  app: Express;
  downstream: Downstream;
  registry: BreakerRegistry;
  close(): Promise<void>;
}

export function createGateway(opts: GatewayOptions): Gateway {
  const app = createApp({ name: 'breaker_gateway' });
  const downstream = createDownstream({}, Math.random, opts.apiKeys);
  const names = [...new Set(['payments', ...(opts.breakerNames ?? [])])];
  const registry = new BreakerRegistry({ redis: opts.redis, subscriber: opts.subscriber, keys: opts.keys, log: opts.log, ...opts.breaker }, names);
  // The built-in downstream gets its own loopback listener, started once, on first use.
  let own: Promise<Listening> | undefined;
  const base = async () => opts.downstreamUrl ?? (await (own ??= listen(downstream.app))).url;

  app.use('/downstream', downstream.app);
  app.use('/admin', adminRouter(registry, opts.apiKeys));
  app.get('/checkout', async (_req, res) => {
    const url = await base();
    const breaker = await registry.get('payments');
    const result = await breaker.call<CheckoutResult>(
      async () => ({ source: 'downstream' as const, ...(await callDownstream(url)) }),
      // The fallback: accept the order and settle it later, instead of an error page.
      ({ reason }) => ({ source: 'fallback' as const, ok: true as const, queued: true, because: reason }),
    );
    res.json({ ...result, breaker: breaker.current.state });
  });
  finishApp(app);
  return {
    app,
    downstream,
    registry,
    async close() {
      await registry.close();
      if (own) await (await own).close();
    },
  };
}
