// Exercise 3 — invalidation on update: write Postgres first (in a transaction), then remove exactly
// the cache entries whose content changed, and bump the list version if lists show what changed.
// The order matters: deleting before the commit would let a reader re-cache the old row in between.
import type { KeyBuilder } from '../../../shared/keys';
import type { CacheEntryRef, CacheLayer } from './cache-layer';
import { ARTICLE_NS, articleKey, componentKey, componentNs } from './components';
import type { Db } from './db';
import { bumpListVersion } from './list-keys';
import { updateArticleRow } from './queries';
import type { ArticleField, ArticlePatch } from './types';

export interface UpdateDeps {
  cache: CacheLayer;
  keys: KeyBuilder;
  db: Db;
}

export interface UpdateResult {
  /** Fields whose value really changed (an identical PUT changes nothing and evicts nothing). */
  changed: ArticleField[];
  /** The Redis keys deleted (none when Redis was unreachable: those entries then live until their TTL). */
  evicted: string[];
  /** The new list version, when lists were invalidated. */
  listVersion?: number;
}

/** Null when the article does not exist. */
export async function updateArticle({ cache, keys, db }: UpdateDeps, id: number, patch: ArticlePatch): Promise<UpdateResult | null> {
  const row = await updateArticleRow(db, id, patch);
  if (!row) return null;
  const { changed } = row;
  if (changed.length === 0) return { changed, evicted: [] };

  const has = (f: ArticleField) => changed.includes(f);
  // The full article holds every field: it always goes.
  const entries: CacheEntryRef[] = [{ ns: ARTICLE_NS, key: articleKey(keys, id) }];
  if (has('title') || has('tags')) entries.push({ ns: componentNs('header'), key: componentKey(keys, id, 'header') });
  if (has('body')) entries.push({ ns: componentNs('body'), key: componentKey(keys, id, 'body') });
  if (has('tags')) entries.push({ ns: componentNs('related'), key: componentKey(keys, id, 'related') });
  // The comment count is never touched by an edit.
  const deleted = await cache.evict(entries);

  const result: UpdateResult = { changed, evicted: deleted ? entries.map((e) => e.key) : [] };
  // Lists show titles and tags (and tag lists are filtered by tags), but never the body.
  if (has('title') || has('tags')) {
    try {
      result.listVersion = await bumpListVersion(cache, keys);
    } catch (err) {
      cache.degraded('lists', err); // lists then refresh when their TTL runs out
    }
  }
  return result;
}
