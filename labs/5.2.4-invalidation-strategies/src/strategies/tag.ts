// Tag-based invalidation: each entry is tagged with its category. A write drops every entry of the
// product's category (old and new), as a shop does when a product change shows on every page of its
// category ("related products", price ranges). One call also handles bulk changes: invalidateTag('category:7').
import { createTagIndex } from '../tags';
import { readThroughFor } from '../read-through';
import type { Strategy, StrategyDefinition } from '../strategy';

export interface TagStrategy extends Strategy {
  invalidateTag(tag: string): Promise<number>;
}

export const categoryTag = (categoryId: number) => `category:${categoryId}`;

export const tag: StrategyDefinition = {
  name: 'tag',
  promise: 'invalidating a tag drops every entry tagged with it',
  async create(deps): Promise<TagStrategy> {
    const tags = createTagIndex(deps.redis, deps.keys);
    const read = readThroughFor(deps, (p, key, value, px) => tags.fill(key, value, px, [categoryTag(p.categoryId)]));
    return {
      name: 'tag',
      read,
      async write(id, patch) {
        const { before, after } = await deps.catalog.update(id, patch);
        await tags.invalidate(categoryTag(before.categoryId));
        if (after.categoryId !== before.categoryId) await tags.invalidate(categoryTag(after.categoryId));
      },
      invalidateTag: (t) => tags.invalidate(t),
      close: async () => {},
    };
  },
};
