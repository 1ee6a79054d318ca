// What a process does when another one holds the stampede lock for a key: wait for the holder's
// result instead of calling the loader too. It wakes on the holder's bus message ("filled") or after a
// backoff delay (polling covers a lost message), re-reads L2, and takes the lock itself if the holder
// vanished without filling. Past the deadline it gives up and the caller loads (never fails the caller).
import type { Entry } from './entry';

export interface FillWait {
  /** L2's entry for the key if it is fresh now (undefined on a miss or a Redis error). */
  read(): Promise<Entry | undefined>;
  /** Tries the lock again; a token when this process now holds it. */
  tryLock(): Promise<string | null>;
  /** Resolves on the holder's "filled" message, or after `ms`. */
  wake(ms: number): Promise<void>;
  /** performance.now() value after which to stop waiting. */
  deadline: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export type FillOutcome = { entry: Entry } | { token: string } | { timedOut: true };

export async function waitForFill(w: FillWait): Promise<FillOutcome> {
  let delay = w.initialDelayMs;
  while (performance.now() < w.deadline) {
    await w.wake(Math.min(delay, Math.max(1, w.deadline - performance.now())));
    const entry = await w.read();
    if (entry) return { entry };
    const token = await w.tryLock();
    if (token) return { token };
    delay = Math.min(delay * 2, w.maxDelayMs);
  }
  return { timedOut: true };
}
