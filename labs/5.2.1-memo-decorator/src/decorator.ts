// @Memoize(opts): the same memoizer as a standard TypeScript 5 method decorator (TC39 decorators, not
// `experimentalDecorators`). Options may be a function of the instance, so a method can use the Redis
// client or TTL its object was constructed with. Each instance gets its own L1 (created on first call);
// L2 keys are shared, so every instance and every process reuses the same Redis entries.
import { memoize, type Memoized, type MemoizeOptions } from './memoize';

type AsyncMethod<This, A extends unknown[], R> = (this: This, ...args: A) => Promise<R>;

const registry = new WeakMap<object, Map<string, Memoized<never[], unknown>>>();

export function Memoize<This extends object>(opts: MemoizeOptions | ((self: This) => MemoizeOptions)) {
  return function <A extends unknown[], R>(target: AsyncMethod<This, A, R>, context: ClassMethodDecoratorContext<This, AsyncMethod<This, A, R>>): AsyncMethod<This, A, R> {
    if (context.static || context.private) throw new TypeError('@Memoize decorates public instance methods');
    const method = String(context.name);
    const perInstance = new WeakMap<This, Memoized<A, R>>();

    return function (this: This, ...args: A): Promise<R> {
      let memo = perInstance.get(this);
      if (!memo) {
        const o = typeof opts === 'function' ? opts(this) : opts;
        memo = memoize(target, { name: `${this.constructor.name}.${method}`, ...o });
        perInstance.set(this, memo);
        let methods = registry.get(this);
        if (!methods) registry.set(this, (methods = new Map()));
        methods.set(method, memo as unknown as Memoized<never[], unknown>);
      }
      return memo.apply(this, args);
    };
  };
}

/** The memoizer behind a decorated method of an instance (undefined until the method's first call). */
export function memoOf(instance: object, method: string): Memoized<never[], unknown> | undefined {
  return registry.get(instance)?.get(method);
}
