// Starter — exercise 2: waiting for another process's loader (cross-process stampede protection).
// The core calls waitForFill when SET lock NX failed: another process is loading this key.
import { NotImplementedError } from '../../../shared/errors';
import type { FillOutcome, FillWait } from '../src/lock-wait';

export type { FillOutcome, FillWait } from '../src/lock-wait';

export async function waitForFill(_w: FillWait): Promise<FillOutcome> {
  // Until w.deadline (performance.now()): await w.wake(delay) (the holder's bus message, or the delay),
  // then w.read() → { entry } if filled; else w.tryLock() → { token } if the holder vanished;
  // double the delay up to w.maxDelayMs. Past the deadline: { timedOut: true }.
  throw new NotImplementedError('exercise 2: wait for the lock holder (wake-up or backoff, re-read L2, retake a vanished lock)');
}
