// One breaker per downstream name, created on first use with shared options. The admin API, the CLI
// and the gateway all go through it, so `payments` is the same object everywhere in a process.
import { z } from 'zod';
import { ValidationError } from '../../../shared/errors';
import { createBreaker, type BreakerOptions, type RedisCircuitBreaker } from './breaker';

export const BreakerNameSchema = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, - and _ (1-64)');

export class BreakerRegistry {
  private readonly breakers = new Map<string, Promise<RedisCircuitBreaker>>();

  constructor(private readonly defaults: Omit<BreakerOptions, 'name'>) {}

  get(name: string): Promise<RedisCircuitBreaker> {
    const parsed = BreakerNameSchema.safeParse(name);
    if (!parsed.success) throw new ValidationError(`invalid breaker name "${name}": ${parsed.error.issues[0]?.message}`);
    let b = this.breakers.get(name);
    if (!b) {
      b = createBreaker({ ...this.defaults, name });
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
