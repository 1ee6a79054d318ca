// One breaker per configured downstream name, created on first use with shared options. The admin API,
// the CLI and the gateway all go through it, so `payments` is the same object everywhere in a process.
// Only configured names exist: a request naming another gets a 404, so nobody can grow the set of
// breakers (and their pub/sub channels and listeners) by inventing names.
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../../shared/errors';
import { RedisCircuitBreaker, type BreakerOptions } from './breaker';

export const BreakerNameSchema = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, - and _ (1-64)');

export class BreakerRegistry {
  private readonly breakers = new Map<string, Promise<RedisCircuitBreaker>>();
  private readonly allowed: ReadonlySet<string>;

  /** `names`: the breakers that may exist (each must pass BreakerNameSchema). */
  constructor(
    private readonly defaults: Omit<BreakerOptions, 'name'>,
    names: string[] = ['payments'],
  ) {
    for (const n of names) BreakerNameSchema.parse(n);
    this.allowed = new Set(names);
  }

  /** The configured names. */
  get names(): string[] {
    return [...this.allowed];
  }

  /** Breakers created so far (never more than the configured names). */
  get size(): number {
    return this.breakers.size;
  }

  get(name: string): Promise<RedisCircuitBreaker> {
    const parsed = BreakerNameSchema.safeParse(name);
    if (!parsed.success) return Promise.reject(new ValidationError(`invalid breaker name "${name}": ${parsed.error.issues[0]?.message}`));
    if (!this.allowed.has(name)) return Promise.reject(new NotFoundError(`no breaker named "${name}" is configured`));
    let b = this.breakers.get(name);
    if (!b) {
      // Wait at most 500 ms for a connection: a breaker first used during an outage starts on local
      // state at once (a route must answer within 1 s) and joins Redis when it returns.
      b = new RedisCircuitBreaker({ ...this.defaults, name }).start(500);
      b.catch(() => this.breakers.delete(name));
      this.breakers.set(name, b);
    }
    return b;
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.breakers.values());
    for (const r of all) if (r.status === 'fulfilled') await r.value.close();
    this.breakers.clear();
  }
}
