// A micro-cache for the first page of a board (the "top 100" everyone polls). A hot board's top is read
// far more often than it changes, so each instance keeps the rendered JSON for `ttlMs` of the injected
// clock, and drops it at once when a pub/sub event says the board's top N changed or it was reset.
// So a change in the top N is visible immediately on every instance; a change further down at most
// `ttlMs` later. Cursor pages (page 2 and on) are never cached. ttlMs = 0 turns it off.
export interface PageCache {
  get(boardKey: string, limit: number): string | undefined;
  set(boardKey: string, limit: number, body: string): void;
  /** Forgets every cached page of one board key. */
  invalidate(boardKey: string): void;
}

export function createPageCache(ttlMs: number, now: () => number, maxBoards = 1_000): PageCache {
  const boards = new Map<string, Map<number, { at: number; body: string }>>();
  return {
    get(boardKey, limit) {
      if (ttlMs <= 0) return undefined;
      const hit = boards.get(boardKey)?.get(limit);
      return hit && now() - hit.at < ttlMs ? hit.body : undefined;
    },
    set(boardKey, limit, body) {
      if (ttlMs <= 0) return;
      let pages = boards.get(boardKey);
      if (!pages) {
        if (boards.size >= maxBoards) boards.delete(boards.keys().next().value!); // oldest board first
        boards.set(boardKey, (pages = new Map()));
      }
      pages.set(limit, { at: now(), body });
    },
    invalidate: (boardKey) => void boards.delete(boardKey),
  };
}
