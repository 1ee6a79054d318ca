// In-process single-flight: while a call for a key is running, later callers for the same key join it
// instead of starting their own. 100 concurrent misses become one upstream request.

export class SingleFlight<K = string> {
  private readonly inFlight = new Map<K, Promise<unknown>>();
  /** Callers that joined a call already running (the requests saved). */
  joins = 0;

  /** Runs `fn` for `key`, or returns the promise of the call already running for it. */
  run<T>(key: K, fn: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) {
      this.joins++;
      return running as Promise<T>;
    }
    // Remove the entry when the call settles (success or failure): a failure is shared by everyone who
    // joined, but it is not remembered — the next caller tries again.
    const p = Promise.resolve()
      .then(fn)
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  /** Calls running now. */
  get size(): number {
    return this.inFlight.size;
  }
}
