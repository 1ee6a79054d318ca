// A cached-value fallback: remember the last good answer, serve it while the breaker is open or a call
// fails. With nothing remembered yet, the original error goes through.
import type { Fallback } from './breaker';

export interface LastGood<T> {
  /** Wraps the call so each success is remembered. */
  wrap(fn: () => Promise<T>): () => Promise<T>;
  fallback: Fallback<T>;
  readonly value: T | undefined;
}

export function lastGood<T>(): LastGood<T> {
  let value: T | undefined;
  let has = false;
  return {
    wrap: (fn) => async () => {
      const v = await fn();
      value = v;
      has = true;
      return v;
    },
    fallback: ({ error }) => {
      if (!has) throw error;
      return value as T;
    },
    get value() {
      return value;
    },
  };
}
