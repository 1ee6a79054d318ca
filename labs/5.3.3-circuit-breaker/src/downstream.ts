// A flaky downstream ("payments") to put a breaker in front of: each request waits `latencyMs`, then
// fails with 503 at `failureRate`. Both change at run time through POST /admin/behaviour, so a demo or a
// test can make it sick and healthy again while traffic flows. Those routes need an admin API key
// (`x-api-key`); reading the behaviour needs at least a viewer's.
import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { z } from 'zod';
import { createApp, finishApp, valid, validate } from '../../../shared/http';
import { requireRole, type ApiKeys } from './admin';

export const BehaviourSchema = z.object({
  failureRate: z.number().min(0).max(1),
  latencyMs: z.number().int().min(0).max(60_000),
});
export type Behaviour = z.infer<typeof BehaviourSchema>;

export interface Downstream {
  app: Express;
  behaviour: Behaviour;
  /** Requests served, and how many of them failed. */
  stats: { requests: number; failures: number };
  /** A key with the admin role: the configured one, or one generated when none was given. */
  adminKey: string;
}

/** `apiKeys`: who may read (viewer, admin) and change (admin) the behaviour; a random admin key if omitted. */
export function createDownstream(initial: Partial<Behaviour> = {}, random: () => number = Math.random, apiKeys?: ApiKeys): Downstream {
  const app = createApp({ name: 'downstream', metrics: false });
  const keys: ApiKeys = apiKeys ?? { [randomBytes(18).toString('base64url')]: 'admin' };
  const adminKey = Object.entries(keys).find(([, role]) => role === 'admin')?.[0] ?? '';
  const d: Downstream = { app, behaviour: { failureRate: 0, latencyMs: 0, ...initial }, stats: { requests: 0, failures: 0 }, adminKey };

  app.all('/pay', async (_req, res) => {
    const { failureRate, latencyMs } = d.behaviour;
    d.stats.requests++;
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    if (random() < failureRate) {
      d.stats.failures++;
      res.status(503).json({ error: { code: 'downstream_failure', message: 'payments is having a bad day' } });
      return;
    }
    res.json({ ok: true, paidAt: Date.now() });
  });

  const patch = { body: BehaviourSchema.partial() };
  app.get('/admin/behaviour', requireRole(keys, 'admin', 'viewer'), (_req, res) => {
    res.json(d.behaviour);
  });
  app.post('/admin/behaviour', requireRole(keys, 'admin'), validate(patch), (_req, res) => {
    Object.assign(d.behaviour, valid(res, patch).body);
    res.json(d.behaviour);
  });
  finishApp(app);
  return d;
}

/** Calls the downstream once; a non-2xx answer or a network error is a failure (thrown). */
export async function callDownstream(baseUrl: string, timeoutMs = 2_000): Promise<{ ok: true; paidAt: number }> {
  const res = await fetch(`${baseUrl}/pay`, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new DownstreamError(res.status);
  return (await res.json()) as { ok: true; paidAt: number };
}

export class DownstreamError extends Error {
  constructor(readonly status: number) {
    super(`downstream answered ${status}`);
  }
}

/** Changes the downstream's behaviour over HTTP (what an operator or a chaos script would do). */
export async function setBehaviour(baseUrl: string, patch: Partial<Behaviour>, adminKey: string): Promise<Behaviour> {
  const res = await fetch(`${baseUrl}/admin/behaviour`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': adminKey }, body: JSON.stringify(patch) });
  if (!res.ok) throw new Error(`behaviour change refused: ${res.status} ${await res.text()}`);
  return (await res.json()) as Behaviour;
}
