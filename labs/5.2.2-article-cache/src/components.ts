// Entity keys. The article page is assembled from four components, each cached under its own key with a TTL that
// matches how often it changes. An update evicts only the components it touched.
import type { KeyBuilder } from '../../../shared/keys';
import type { Queryable } from './db';
import { loadBody, loadCommentCount, loadHeader, loadRelated } from './queries';

export const COMPONENTS = {
  /** title, author, tags, date: edited rarely. */
  header: { ttlSec: 3_600, load: loadHeader },
  /** the text: large, edited rarely, read on every page view. */
  body: { ttlSec: 86_400, load: loadBody },
  /** changes with every new comment: a short TTL keeps it roughly current without invalidation. */
  comments: { ttlSec: 30, load: loadCommentCount },
  /** depends on other articles: nobody invalidates it precisely, so it simply expires. */
  related: { ttlSec: 600, load: loadRelated },
} satisfies Record<string, { ttlSec: number; load: (db: Queryable, id: number) => Promise<unknown> }>;

export type ComponentName = keyof typeof COMPONENTS;
export const COMPONENT_NAMES = Object.keys(COMPONENTS) as ComponentName[];

/** The whole article (GET /articles/:id) is one entity, keyed by its id. */
export const ARTICLE_NS = 'article';
// Every key of one article carries the id as its {hash tag}: on a Redis Cluster they share a slot, so the
// page's MGET and an update's multi-key DEL stay one command (otherwise CROSSSLOT).
export const articleKey = (keys: KeyBuilder, id: number) => keys.tagged('article', id);

export const componentKey = (keys: KeyBuilder, id: number, name: ComponentName) => keys.tagged('page', id, name);
export const componentNs = (name: ComponentName) => `page.${name}`;
