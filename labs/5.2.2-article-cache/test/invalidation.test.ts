import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { articleKey, COMPONENT_NAMES, COMPONENTS, componentKey, type ComponentName } from '../src/components';
import { versionKey } from '../src/list-keys';
import type { ArticleStore } from '../src/store';
import { queriesDuring, useFixture } from './fixtures';

const fx = useFixture();
let managed: ManagedRedis;
beforeAll(async () => {
  managed = await startRedisServer();
});
afterAll(() => managed?.dispose());

/** Puts a placeholder in every entry an article can have, so a test sees exactly which ones an update removes. */
async function fillEntries(store: ArticleStore, id: number): Promise<void> {
  const r = store.cache.redis!;
  await r.set(articleKey(store.keys, id), '"cached"', 'EX', 600);
  for (const name of COMPONENT_NAMES) await r.set(componentKey(store.keys, id, name), '"cached"', 'EX', 600);
}

async function present(store: ArticleStore, id: number): Promise<{ article: boolean } & Record<ComponentName, boolean>> {
  const r = store.cache.redis!;
  const out = { article: (await r.exists(articleKey(store.keys, id))) === 1 } as { article: boolean } & Record<ComponentName, boolean>;
  for (const name of COMPONENT_NAMES) out[name] = (await r.exists(componentKey(store.keys, id, name))) === 1;
  return out;
}

const version = async (store: ArticleStore) => Number((await store.cache.redis!.get(versionKey(store.keys))) ?? 0);

describe('exercise 3: invalidation on update', () => {
  it('a body edit evicts the article and the body component only; lists keep their version', async () => {
    const store = await fx.store();
    await fillEntries(store, 11);
    const result = await store.update(11, { body: 'A brand new body.' });
    expect(result?.changed).toEqual(['body']);
    expect(await present(store, 11)).toEqual({ article: false, header: true, body: false, comments: true, related: true });
    expect(await version(store)).toBe(0);
    const { rows } = await fx.ctx.pg.query('SELECT body FROM articles WHERE id = 11');
    expect(rows[0].body).toBe('A brand new body.');
  });

  it('a title edit evicts the article and the header, and bumps the list version', async () => {
    const store = await fx.store();
    await fillEntries(store, 12);
    const result = await store.update(12, { title: 'Renamed twelve' });
    expect(result).toMatchObject({ changed: ['title'], listVersion: 1 });
    expect(await present(store, 12)).toEqual({ article: false, header: false, body: true, comments: true, related: true });
    expect(await version(store)).toBe(1);
  });

  it('a tags edit also evicts the related articles; an identical PUT evicts nothing', async () => {
    const store = await fx.store();
    await fillEntries(store, 13);
    await store.update(13, { tags: ['redis', 'caching-lab'] });
    expect(await present(store, 13)).toEqual({ article: false, header: false, body: true, comments: true, related: false });
    await fillEntries(store, 13);
    expect(await store.update(13, { tags: ['redis', 'caching-lab'] })).toEqual({ changed: [], evicted: [] });
    expect(await present(store, 13)).toEqual({ article: true, header: true, body: true, comments: true, related: true });
    expect(await version(store)).toBe(1);
  });

  it("an update also drops this process's L1 copy", async () => {
    const store = await fx.store({ l1: { max: 100, ttlMs: 60_000 } });
    await store.update(15, { title: 'First L1 title' });
    expect((await store.getArticle(15))?.title).toBe('First L1 title');
    expect((await store.getArticle(15))?.title).toBe('First L1 title'); // now an L1 hit
    await store.update(15, { title: 'Second L1 title' });
    expect((await store.getArticle(15))?.title).toBe('Second L1 title');
    expect((await store.stats()).namespaces.article).toMatchObject({ l1Hits: 1, misses: 2 });
  });

  it('over HTTP: a read right after the PUT sees the new content, in the article and in its lists', async () => {
    const store = await fx.store();
    const api = await fx.serve(store);
    const { rows } = await fx.ctx.pg.query('SELECT id, author_id FROM articles ORDER BY published_at DESC, id DESC LIMIT 1');
    const { id, author_id: author } = rows[0];
    await api.ok('PUT', `/articles/${id}`, { title: 'Stale title' });
    expect((await api.ok('GET', `/articles/${id}`)).title).toBe('Stale title');
    const before = await api.ok('GET', `/articles?author=${author}`);
    expect(before.items[0].id).toBe(id);

    const put = await api.ok('PUT', `/articles/${id}`, { title: 'Fresh title' });
    expect(put.article.title).toBe('Fresh title');
    expect((await api.ok('GET', `/articles/${id}`)).title).toBe('Fresh title');
    expect((await api.ok('GET', `/articles?author=${author}`)).items[0].title).toBe('Fresh title');
    expect((await api.call('PUT', '/articles/999999', { title: 'x' })).status).toBe(404);
  });

  it('Redis down: the PUT still commits and the next read shows it', async () => {
    const redis = await fx.cacheClient(managed.url);
    const store = await fx.store({ redis });
    await store.update(14, { body: 'written before the outage' });
    expect((await store.getArticle(14))?.body).toBe('written before the outage');
    await managed.stop();
    try {
      await waitFor(() => redis.status !== 'ready', { what: 'the client to notice Redis is down' });
      const api = await fx.serve(store);
      const put = await api.ok('PUT', `/articles/14`, { body: 'written while Redis was down' });
      expect(put.article.body).toBe('written while Redis was down');
      expect(put.changed).toEqual(['body']);
      expect(put.evicted).toEqual([]); // nothing could be deleted, and the response says so
      expect((await api.ok('GET', '/articles/14')).body).toBe('written while Redis was down');
    } finally {
      await managed.start();
    }
  });
});

describe('exercise 4: page assembled from cached components', () => {
  it('the first view loads the four components, the next costs no query', async () => {
    const store = await fx.store();
    let first: unknown;
    expect(await queriesDuring(store, async () => (first = await store.getPage(21)))).toBe(4);
    let second: unknown;
    expect(await queriesDuring(store, async () => (second = await store.getPage(21)))).toBe(0);
    expect(second).toEqual(first);
    const article = await (await fx.store({ redis: null })).getArticle(21);
    expect(second).toMatchObject({ id: 21, title: article!.title, body: article!.body, commentCount: article!.commentCount });
  });

  it('each component is stored with its own TTL', async () => {
    const store = await fx.store();
    await store.getPage(22);
    for (const name of COMPONENT_NAMES) {
      const ttl = await store.cache.redis!.ttl(componentKey(store.keys, 22, name));
      expect(ttl, name).toBeGreaterThan(COMPONENTS[name].ttlSec - 10);
      expect(ttl, name).toBeLessThanOrEqual(COMPONENTS[name].ttlSec);
    }
  });

  it('a component that expired or was evicted reloads alone', async () => {
    const store = await fx.store();
    await store.getPage(23);
    await store.cache.redis!.del(componentKey(store.keys, 23, 'comments'));
    expect(await queriesDuring(store, () => store.getPage(23))).toBe(1);
    const stats = await store.stats();
    expect(stats.namespaces['page.comments']).toMatchObject({ hits: 0, misses: 2 });
    expect(stats.namespaces['page.body']).toMatchObject({ hits: 1, misses: 1 });
  });

  it('updating the body does not evict the rest of the page', async () => {
    const store = await fx.store();
    await store.getPage(24);
    await store.update(24, { body: 'Only the body changed.' });
    let page: { body?: string } | null = null;
    expect(await queriesDuring(store, async () => (page = await store.getPage(24)))).toBe(1);
    expect(page!.body).toBe('Only the body changed.');
  });

  it('Redis down: the page is assembled from Postgres', async () => {
    const redis = await fx.cacheClient(managed.url);
    const store = await fx.store({ redis });
    await store.getPage(25);
    await managed.stop();
    try {
      await waitFor(() => redis.status !== 'ready', { what: 'the client to notice Redis is down' });
      const api = await fx.serve(store);
      expect((await api.ok('GET', '/articles/25/page')).id).toBe(25);
      expect((await api.call('GET', '/articles/999999/page')).status).toBe(404);
    } finally {
      await managed.start();
    }
  });
});
