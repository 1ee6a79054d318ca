// Starter: exercise 3 — in-process single-flight. `npm run grade 5.2.1 -- --impl starter`.
// While a call for a key is running, later callers for the same key join it instead of starting their own.
import { NotImplementedError } from '../../../shared/errors';

export class SingleFlight<K = string> {
  /** Callers that joined a call already running. */
  joins = 0;

  /**
   * Runs `fn` for `key`, or returns the promise of the call already running for it (count a join).
   * Forget the key when the call settles, success or failure: the next caller after a failure tries again.
   */
  run<T>(_key: K, _fn: () => Promise<T>): Promise<T> {
    throw new NotImplementedError('exercise 3: SingleFlight.run (share one in-flight call per key)');
  }

  /** Calls running now. */
  get size(): number {
    throw new NotImplementedError('exercise 3: SingleFlight.size');
  }
}
