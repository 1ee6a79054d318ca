// Warming: the critical keys are loaded at start-up, a few at a time (p-limit), so the first users do
// not all pay the miss. Each item reports its own outcome; a failing loader does not stop the others.
import pLimit from 'p-limit';
import type { CallOptions, SmartCache } from './cache';

export interface WarmItem<T = unknown> extends CallOptions {
  key: string;
  loader: () => Promise<T> | T;
}

export interface WarmResult {
  key: string;
  namespace?: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface WarmReport {
  ok: number;
  failed: number;
  results: WarmResult[];
}

export async function warmCache(cache: SmartCache, items: WarmItem[], opts: { concurrency?: number } = {}): Promise<WarmReport> {
  const limit = pLimit(Math.max(1, opts.concurrency ?? 4));
  const results = await Promise.all(
    items.map((item) =>
      limit(async (): Promise<WarmResult> => {
        const t0 = performance.now();
        const { key, loader, ...call } = item;
        try {
          await cache.set(key, await loader(), call);
          return { key, namespace: call.namespace, ok: true, ms: round(performance.now() - t0) };
        } catch (err) {
          return { key, namespace: call.namespace, ok: false, ms: round(performance.now() - t0), error: (err as Error).message };
        }
      }),
    ),
  );
  const ok = results.filter((r) => r.ok).length;
  return { ok, failed: results.length - ok, results };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
