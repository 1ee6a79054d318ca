// Grace: what to do with an entry past its TTL but inside its grace period.
// - stale-while-revalidate (swr): answer with the stale value at once and let ONE refresh run in the
//   background (single-flight here, the lock across processes); callers never wait for the loader.
// - otherwise: try to refresh now; if the loader fails, the stale value is still better than an error.
// Either way a failing loader does not fail callers until the grace period is over.
import type { Entry } from './entry';

export interface StaleRequest<T> {
  entry: Entry<T>;
  swr: boolean;
  /** Loads and stores a fresh entry now; rejects with the loader's error. */
  refresh(): Promise<Entry<T>>;
  /** Starts a refresh nobody waits for (no-op while one already runs here or in another process). */
  refreshInBackground(): void;
}

export interface StaleResult<T> {
  value: T;
  /** `stale`: the old value was served; `refreshed`: a new one was loaded in time. */
  state: 'stale' | 'refreshed';
}

export async function resolveStale<T>(req: StaleRequest<T>): Promise<StaleResult<T>> {
  if (req.swr) {
    req.refreshInBackground();
    return { value: req.entry.value, state: 'stale' };
  }
  try {
    const fresh = await req.refresh();
    return { value: fresh.value, state: 'refreshed' };
  } catch {
    return { value: req.entry.value, state: 'stale' };
  }
}
