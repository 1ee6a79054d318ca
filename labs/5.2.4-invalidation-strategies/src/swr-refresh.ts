// Exercise 3's core: at most one background reload per stale entry, never blocking the reader.
import type { Entry } from './entry';
import type { SwrParts } from './swr-types';

/** The lesson's core: at most one background reload per stale entry, never blocking the reader. */
export function refreshInBackground(parts: SwrParts): (id: number, stale: Entry) => void {
  const { redis, key } = parts.opts;
  const lockMs = parts.opts.lockMs ?? 5000;
  return (id, stale) => {
    // Already refreshing it here: no second Redis round trip.
    if (parts.inflight.has(id)) return;
    const job = (async () => {
      // One refresher per stale copy across all instances: the lock is named after the copy's stamp,
      // so after the refresh lands nobody can win it again for the same old copy.
      const won = await redis.set(`${key(id)}:refresh:${stale.at}`, '1', 'PX', lockMs, 'NX');
      if (won !== 'OK') return;
      parts.counters.backgroundLoads++;
      await parts.refill(id, stale);
    })()
      .catch(() => {}) // a failed refresh leaves the stale copy; the lock expires and someone retries
      .finally(() => parts.inflight.delete(id));
    parts.inflight.set(id, job);
  };
}
