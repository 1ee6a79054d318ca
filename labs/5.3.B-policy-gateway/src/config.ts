// The gateway's static configuration: which downstreams exist (addresses come from here only), which
// route patterns go where, and the knobs of its own behaviour. Policies are not here: they are data.
import { z } from 'zod';

export const DownstreamSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/),
  url: z.url(),
  /** Upstream timeout (ms): no response head within it is a 504 and a breaker failure. */
  timeoutMs: z.number().int().min(1).max(60_000).default(2_000),
  /** Answer this instead of a 503 while the breaker is open. */
  fallback: z.object({ status: z.number().int().min(200).max(299), body: z.unknown() }).optional(),
});
export type DownstreamConfig = z.infer<typeof DownstreamSchema>;

export const RouteSchema = z.object({
  /** An express path pattern, e.g. `/orders/:id`; rules name these patterns. */
  pattern: z
    .string()
    .regex(/^\/[A-Za-z0-9_:./-]*$/)
    // The gateway's own routes are not proxied: a configured route may not shadow them.
    .refine((p) => !/^\/(admin|dashboard|docs|metrics|openapi\.json)(\/|$)/.test(p) && p !== '/', 'reserved for the gateway itself'),
  downstream: z.string(),
});
export type RouteConfig = z.infer<typeof RouteSchema>;

export const GatewayConfigSchema = z.object({
  downstreams: z.array(DownstreamSchema).min(1),
  routes: z.array(RouteSchema).min(1),
  /** Bearer token for /admin and the dashboard's actions. */
  adminKey: z.string().min(16),
  /** Longest the limiter may take before the fail mode decides (ms). */
  limiterBoundMs: z.number().int().min(10).max(10_000).default(200),
  /** Backstop policy version check (ms). */
  pollMs: z.number().int().min(50).max(5_000).default(250),
  /** Decisions stream length bound (approximate trimming). */
  streamMaxLen: z.number().int().min(100).max(1_000_000).default(20_000),
  /** Share of allowed requests logged (denials are always logged). */
  logSampleRate: z.number().min(0).max(1).default(0.01),
  /** Top consumers kept per minute. */
  topN: z.number().int().min(1).max(1_000).default(50),
  breaker: z
    .object({ minVolume: z.number().int().min(1).default(10), failureThreshold: z.number().min(0).max(1).default(0.5), coolDownMs: z.number().int().min(100).default(5_000), halfOpenProbes: z.number().int().min(1).default(2) })
    .default({ minVolume: 10, failureThreshold: 0.5, coolDownMs: 5_000, halfOpenProbes: 2 }),
  /** Instance id shown on the dashboard. */
  instanceId: z.string().max(40).optional(),
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof GatewayConfigSchema>;

/** The demo's routes over its three downstreams. */
export function demoRoutes(): RouteConfig[] {
  return [
    { pattern: '/orders', downstream: 'orders' },
    { pattern: '/orders/:id', downstream: 'orders' },
    { pattern: '/search', downstream: 'search' },
    { pattern: '/payments', downstream: 'payments' },
    { pattern: '/stream', downstream: 'search' },
  ];
}
