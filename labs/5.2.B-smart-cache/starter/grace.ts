// Starter — exercise 1: grace and stale-while-revalidate. `npm run grade 5.2.B -- --impl starter`.
// The core calls resolveStale only for an entry past its TTL but inside its grace period.
import { NotImplementedError } from '../../../shared/errors';
import type { StaleRequest, StaleResult } from '../src/grace';

export type { StaleRequest, StaleResult } from '../src/grace';

export async function resolveStale<T>(_req: StaleRequest<T>): Promise<StaleResult<T>> {
  // swr: start ONE background refresh (req.refreshInBackground()) and answer with the stale value now.
  // otherwise: await req.refresh(); if the loader fails, answer with the stale value instead of the error.
  throw new NotImplementedError('exercise 1: serve stale within grace (swr: stale now + one background refresh; else refresh, fall back to stale on failure)');
}
