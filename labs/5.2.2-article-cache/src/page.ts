// Exercise 4 — partial caching: one MGET fetches every component of the page in a single round trip;
// only the missing ones are loaded from Postgres, and each is stored with its own TTL.
import type { KeyBuilder } from '../../../shared/keys';
import type { CacheLayer } from './cache-layer';
import { COMPONENT_NAMES, COMPONENTS, componentKey, componentNs, type ComponentName } from './components';
import type { Queryable } from './db';
import type { ArticlePage, PageBody, PageHeader, RelatedArticle } from './types';

export interface PageDeps {
  cache: CacheLayer;
  keys: KeyBuilder;
  db: Queryable;
}

/** The page of article `id`, or null if there is no such article. */
export async function assemblePage({ cache, keys, db }: PageDeps, id: number): Promise<ArticlePage | null> {
  const redisKeys = COMPONENT_NAMES.map((name) => componentKey(keys, id, name));
  let texts: Array<string | null> = COMPONENT_NAMES.map(() => null);
  let redisUp = cache.redis !== null;
  if (cache.redis) {
    try {
      texts = await cache.redis.mget(...redisKeys);
    } catch (err) {
      cache.degraded('page', err);
      redisUp = false;
    }
  }

  const parts: Partial<Record<ComponentName, unknown>> = {};
  const missing: ComponentName[] = [];
  COMPONENT_NAMES.forEach((name, i) => {
    const value = cache.codec.decode(texts[i]);
    if (value !== undefined) {
      parts[name] = value;
      cache.stats.record(componentNs(name), 'hits');
    } else {
      missing.push(name);
      if (redisUp) cache.stats.record(componentNs(name), 'misses');
    }
  });
  // The missing components load in parallel, each with its own small query.
  await Promise.all(
    missing.map(async (name) => {
      parts[name] = await COMPONENTS[name].load(db, id);
    }),
  );
  if (!parts.header) return null; // no such article: nothing worth caching

  if (redisUp && missing.length) {
    const p = cache.redis!.pipeline();
    for (const name of missing) p.set(componentKey(keys, id, name), cache.codec.encode(parts[name]), 'EX', COMPONENTS[name].ttlSec);
    await p.exec().catch((err) => cache.degraded('page', err));
  }

  return {
    ...(parts.header as PageHeader),
    ...(parts.body as PageBody),
    commentCount: parts.comments as number,
    related: parts.related as RelatedArticle[],
  };
}
