// `npm run lab 5.3.3 -- serve`: the flaky downstream under /downstream, a gateway (/checkout) that
// calls it through the shared `payments` breaker with a fallback, and the admin API under /admin.
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { KeyBuilder } from '../../../shared/keys';
import { createApp, finishApp } from '../../../shared/http';
import { adminRouter, type ApiKeys } from './admin';
import type { BreakerOptions } from './breaker';
import { callDownstream, createDownstream, type Downstream } from './downstream';
import { BreakerRegistry } from './registry';

export interface GatewayOptions {
  redis: Redis;
  subscriber?: Redis;
  keys: KeyBuilder;
  log?: Logger;
  apiKeys: ApiKeys;
  /** Where payments lives; default: the downstream mounted in this same app. */
  downstreamUrl?: string;
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
  const downstream = createDownstream();
  const registry = new BreakerRegistry({ redis: opts.redis, subscriber: opts.subscriber, keys: opts.keys, log: opts.log, ...opts.breaker });

  app.use('/downstream', downstream.app);
  app.use('/admin', adminRouter(registry, opts.apiKeys));
  app.get('/checkout', async (req, res) => {
    const base = opts.downstreamUrl ?? `${req.protocol}://${req.get('host')}/downstream`;
    const breaker = await registry.get('payments');
    const result = await breaker.call<CheckoutResult>(
      async () => ({ source: 'downstream' as const, ...(await callDownstream(base)) }),
      // The fallback: accept the order and settle it later, instead of an error page.
      ({ reason }) => ({ source: 'fallback' as const, ok: true as const, queued: true, because: reason }),
    );
    res.json({ ...result, breaker: breaker.current.state });
  });
  finishApp(app);
  return { app, downstream, registry, close: () => registry.close() };
}
