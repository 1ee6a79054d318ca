// A downstream service for the gateway to protect, run as its own OS process. Every path answers a
// small JSON echo (with the X-Request-Id it received); /stream sends chunks over time; its own
// /_config route changes latency and failure rate at run time, /_stats counts what it served.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import { z } from 'zod';
import { createApp, finishApp, valid, validate } from '../../../shared/http';

export const BehaviourSchema = z.object({
  latencyMs: z.number().int().min(0).max(60_000),
  failureRate: z.number().min(0).max(1),
});
export type Behaviour = z.infer<typeof BehaviourSchema>;

export function createDownstreamApp(name: string, random: () => number = Math.random): Express {
  const app = createApp({ name: `downstream_${name}`, metrics: false });
  const behaviour: Behaviour = { latencyMs: 0, failureRate: 0 };
  const stats = { requests: 0, failures: 0 };
  const patch = { body: BehaviourSchema.partial().strict() };

  app.get('/_config', (_req, res) => void res.json(behaviour));
  app.put('/_config', validate(patch), (_req, res) => {
    Object.assign(behaviour, valid(res, patch).body);
    res.json(behaviour);
  });
  app.get('/_stats', (_req, res) => void res.json(stats));
  app.post('/_stats/reset', (_req, res) => {
    stats.requests = 0;
    stats.failures = 0;
    res.json(stats);
  });
  app.all('/{*path}', async (req, res) => {
    stats.requests++;
    if (behaviour.latencyMs > 0) await new Promise((r) => setTimeout(r, behaviour.latencyMs));
    if (random() < behaviour.failureRate) {
      stats.failures++;
      res.status(500).json({ error: { code: 'downstream_failure', message: `${name} failed (injected)` } });
      return;
    }
    if (req.path === '/stream') {
      // Chunks over time: a gateway that buffers would deliver them all at once, at the end.
      res.type('text/plain');
      for (let i = 0; i < 5; i++) {
        res.write(`chunk ${i} from ${name}\n`);
        await new Promise((r) => setTimeout(r, 30));
      }
      res.end();
      return;
    }
    res.json({ service: name, method: req.method, path: req.originalUrl, requestId: req.headers['x-request-id'] ?? null });
  });
  finishApp(app);
  return app;
}

export interface DownstreamProcess {
  name: string;
  url: string;
  configure(patch: Partial<Behaviour>): Promise<Behaviour>;
  stats(): Promise<{ requests: number; failures: number }>;
  stop(): Promise<void>;
}

/**
 * Forks one process serving the named downstreams (each on its own port, with its own behaviour) and
 * waits until they listen. One fork for all keeps start-up cheap; the gateway still crosses a process
 * boundary and a real socket to reach any of them.
 */
export async function startDownstreams(names: string[]): Promise<DownstreamProcess[]> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./downstream-main.ts', import.meta.url)), names, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const urls = await new Promise<Record<string, string>>((resolve, reject) => {
    child.once('message', (m: { urls: Record<string, string> }) => resolve(m.urls));
    child.once('exit', (code) => reject(new Error(`downstream process exited with ${code} before listening`)));
  });
  child.removeAllListeners('exit');
  let stopping: Promise<unknown> | undefined;
  const stop = async () => {
    if (child.exitCode !== null) return;
    stopping ??= new Promise((r) => {
      child.once('exit', r);
      child.kill('SIGTERM');
    });
    await stopping;
  };
  return names.map((name) => handle(name, urls[name]!, stop));
}

function handle(name: string, url: string, stop: () => Promise<void>): DownstreamProcess {
  return {
    name,
    url,
    async configure(patch) {
      const res = await fetch(`${url}/_config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) });
      if (!res.ok) throw new Error(`downstream ${name} refused the config: ${res.status}`);
      return (await res.json()) as Behaviour;
    },
    async stats() {
      return (await (await fetch(`${url}/_stats`)).json()) as { requests: number; failures: number };
    },
    stop,
  };
}
