// @Cached: a method's result cached by the method's arguments, with standard TypeScript 5 decorators
// (no experimentalDecorators). The instance provides the cache as `this.cache`.
import type { CallOptions, SmartCache } from './cache';

export interface HasCache {
  readonly cache: SmartCache;
}

export interface CachedOptions<Args extends unknown[]> {
  /** The cache key from the arguments (default: method name + JSON of the arguments). */
  key?: (...args: Args) => string;
  ttl?: number;
  grace?: number;
  tags?: string[] | ((...args: Args) => string[]);
  /** Default: the method's name. */
  namespace?: string;
}

export function Cached<This extends HasCache, Args extends unknown[], R>(opts: CachedOptions<Args> = {}) {
  return function (target: (this: This, ...args: Args) => Promise<R>, context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Promise<R>>) {
    const name = String(context.name);
    const key = opts.key ?? ((...args: Args) => `${name}:${JSON.stringify(args)}`);
    return function (this: This, ...args: Args): Promise<R> {
      const call: CallOptions = {
        ttl: opts.ttl,
        grace: opts.grace,
        namespace: opts.namespace ?? name,
        tags: typeof opts.tags === 'function' ? opts.tags(...args) : opts.tags,
      };
      return this.cache.getOrSet(key(...args), () => target.apply(this, args), call);
    };
  };
}
