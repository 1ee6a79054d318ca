// The HTTP API. Every input is parsed with zod (bad input → 400, unknown article → 404); the store
// behind it degrades to Postgres when Redis fails, so no route answers 500 because of the cache.
import type { Express } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../../shared/errors';
import { createApp, finishApp, valid, validate } from '../../../shared/http';
import type { ArticleStore } from './store';

const MAX_INT = 2_147_483_647;
const id = z.coerce.number().int().positive().max(MAX_INT);
const tag = z.string().trim().toLowerCase().min(1).max(40).regex(/^[a-z0-9][a-z0-9-]*$/, 'tags are lowercase letters, digits and dashes');

export const schemas = {
  article: { params: z.object({ id }) },
  list: {
    query: z.strictObject({
      author: id.optional(),
      tag: tag.optional(),
      page: z.coerce.number().int().min(1).max(500).default(1),
    }),
  },
  top: { params: z.object({ tag }) },
  update: {
    params: z.object({ id }),
    body: z
      .strictObject({
        title: z.string().trim().min(1).max(200).optional(),
        body: z.string().min(1).max(100_000).optional(),
        tags: z
          .array(tag)
          .min(1)
          .max(10)
          .transform((t) => [...new Set(t)])
          .optional(),
      })
      .refine((p) => p.title !== undefined || p.body !== undefined || p.tags !== undefined, 'give at least one of title, body, tags'),
  },
};

export function createArticleApp(store: ArticleStore): Express {
  const app = createApp({ name: 'lab_5_2_2' });

  app.get('/articles/:id', validate(schemas.article), async (_req, res) => {
    const { params } = valid(res, schemas.article);
    const article = await store.getArticle(params.id);
    if (!article) throw new NotFoundError(`article ${params.id} not found`);
    res.json(article);
  });

  app.get('/articles/:id/page', validate(schemas.article), async (_req, res) => {
    const { params } = valid(res, schemas.article);
    const page = await store.getPage(params.id);
    if (!page) throw new NotFoundError(`article ${params.id} not found`);
    res.json(page);
  });

  app.get('/articles', validate(schemas.list), async (_req, res) => {
    res.json(await store.list(valid(res, schemas.list).query));
  });

  app.get('/tags/:tag/top-commented', validate(schemas.top), async (_req, res) => {
    res.json(await store.topCommented(valid(res, schemas.top).params.tag));
  });

  app.put('/articles/:id', validate(schemas.update), async (_req, res) => {
    const { params, body } = valid(res, schemas.update);
    const result = await store.update(params.id, body);
    if (!result) throw new NotFoundError(`article ${params.id} not found`);
    // Read-after-write: the entry was just evicted, so this loads (and re-caches) the new row.
    res.json({ article: await store.getArticle(params.id), ...result });
  });

  app.get('/cache/stats', async (_req, res) => {
    res.json(await store.stats());
  });

  return finishApp(app);
}
