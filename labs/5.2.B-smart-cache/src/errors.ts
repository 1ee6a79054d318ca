// Typed errors of the cache. Only two kinds ever reach a caller: a bad key (their input) and their own
// loader's error. Everything Redis does wrong is caught inside, counted, and answered from L1/the loader.
import { NotImplementedError, ValidationError } from '../../../shared/errors';

/** A key, tag, namespace or pattern that cannot be used (control characters, too long, empty). */
export class CacheKeyError extends ValidationError {}

/** Base of the failures that stay inside the cache (logged and counted, never thrown to callers). */
export class CacheError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The breaker is open: Redis is considered down and is not even asked. */
export class CacheUnavailableError extends CacheError {
  constructor() {
    super('redis is unavailable (breaker open)');
  }
}

/** A value the serializer could not encode or decode. */
export class CacheSerializationError extends CacheError {}

/** An unfinished exercise must surface, not be swallowed like a Redis hiccup. */
export function rethrowIfUnfinished(err: unknown): void {
  if (err instanceof NotImplementedError) throw err;
}
