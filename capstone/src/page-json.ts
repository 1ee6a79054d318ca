// The book page's JSON body, serialized once per cached page: a page served from the L1 is the same
// object on every hit, so its JSON is kept beside it (a WeakMap: it goes when the L1 drops the page)
// and only the small per-request part (metadata, degraded) is added. Same bytes as
// JSON.stringify({ ...page, metadata, degraded }).
import type { MetadataResult } from './metadata';
import type { BookPage } from './service';

const serialized = new WeakMap<BookPage, string>();

export function bookPageJson(page: BookPage, meta: MetadataResult): string {
  let inner = serialized.get(page);
  if (inner === undefined) {
    inner = JSON.stringify(page).slice(1, -1);
    serialized.set(page, inner);
  }
  return `{${inner},"metadata":${JSON.stringify(meta.metadata)},"degraded":${meta.degraded}}`;
}
