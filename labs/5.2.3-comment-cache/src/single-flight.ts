// In-process single-flight: concurrent callers for one key share one promise, so a process sends at
// most one contender to the Redis lock (and at most one query to Postgres) per cold key.
export class SingleFlight<K = string> {
  private readonly inFlight = new Map<K, Promise<unknown>>();
  joins = 0;

  run<T>(key: K, fn: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) {
      this.joins++;
      return running as Promise<T>;
    }
    const p = Promise.resolve()
      .then(fn)
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }
}
