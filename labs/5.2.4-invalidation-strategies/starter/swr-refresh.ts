// Starter — exercise 3: the stale-while-revalidate refresh.
import { NotImplementedError } from '../../../shared/errors';
import type { Entry } from '../src/entry';
import type { SwrParts } from '../src/swr-types';

/**
 * Returns the function a stale read calls. It must not block the reader, and must start at most one
 * `parts.refill(id, stale)` per stale copy across every instance (hint: SET NX on a key naming `stale.at`;
 * `parts.inflight` avoids a second round trip here; count wins in `parts.counters.backgroundLoads`).
 */
export function refreshInBackground(_parts: SwrParts): (id: number, stale: Entry) => void {
  return () => {
    throw new NotImplementedError('exercise 3: SWR refresh — one background reload per stale entry');
  };
}
