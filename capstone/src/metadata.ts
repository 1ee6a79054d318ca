// Book metadata through the breaker. Fresh cached metadata answers without a call; otherwise one call
// goes through the breaker. When the breaker is open or the call fails, the last cached metadata (kept
// for the policy's long grace) answers with degraded: true — never an error, never a wait.
import type { Breaker } from './breaker';
import type { CacheOutcome, ReadThroughCache } from './cache';
import { CACHE_POLICIES, freshness } from './cache-policy';
import type { CacheKeys } from './keys';
import { recordTrace, type TraceSource } from './trace';

export interface Metadata {
  isbn: string;
  pages: number;
  language: string;
}

export interface MetadataResult {
  metadata: Metadata | null;
  degraded: boolean;
}

export class MetadataClient {
  constructor(
    private readonly baseUrl: string,
    private readonly breaker: Breaker,
    private readonly cache: ReadThroughCache,
    private readonly keys: CacheKeys,
    private readonly now: () => number = Date.now,
    private readonly onCall?: (outcome: 'ok' | 'failed' | 'rejected') => void,
  ) {}

  /**
   * Never longer than `budgetMs`: a page does not wait on a stalled Redis or a slow breaker decision;
   * past the budget it answers degraded with whatever it already knew.
   */
  async get(bookId: number, budgetMs = 350): Promise<MetadataResult> {
    // The hot path: fresh in this process's L1, no Redis call and no timer.
    const local = this.cache.peekLocal<Metadata>('metadata', this.keys.metadata(bookId));
    if (local && freshness(CACHE_POLICIES.metadata, local.at, this.now()) === 'fresh') {
      this.cache.count('metadata', 'HIT-L1');
      recordTrace({ resource: 'metadata', key: this.keys.metadata(bookId), outcome: 'HIT-L1', from: 'l1', ms: 0 });
      return { metadata: local.value, degraded: false };
    }
    const seen: { last?: Metadata } = {};
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<MetadataResult>((resolve) => {
      timer = setTimeout(() => resolve({ metadata: seen.last ?? null, degraded: true }), budgetMs);
    });
    try {
      return await Promise.race([this.lookup(bookId, seen), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async lookup(bookId: number, seen: { last?: Metadata }): Promise<MetadataResult> {
    const key = this.keys.metadata(bookId);
    const started = performance.now();
    const trace = (outcome: CacheOutcome, detail: string, from: TraceSource) => {
      this.cache.count('metadata', outcome);
      recordTrace({ resource: 'metadata', key, outcome: detail, from, ms: performance.now() - started });
    };
    const last = await this.cache.peek<Metadata>(key, 'metadata');
    seen.last = last?.value;
    if (last && freshness(CACHE_POLICIES.metadata, last.at, this.now()) === 'fresh') {
      trace('HIT', 'HIT', 'redis');
      return { metadata: last.value, degraded: false };
    }
    let rejected = false;
    const fresh = await this.breaker.call(
      () => this.fetch(bookId),
      ({ reason }) => {
        rejected = reason === 'open';
        return null;
      },
    );
    this.onCall?.(fresh ? 'ok' : rejected ? 'rejected' : 'failed');
    if (fresh) {
      // Not awaited: a slow Redis must not hold the page (the entry is an optimisation).
      void this.cache.store('metadata', key, fresh).catch(() => {});
      trace('MISS', 'MISS', 'metadata-service');
      return { metadata: fresh, degraded: false };
    }
    // The last known metadata counts as STALE (served without fresh data), nothing at all as a MISS.
    trace(last ? 'STALE' : 'MISS', rejected ? 'BREAKER-OPEN' : 'FAILED', last ? 'stale' : 'fallback');
    return { metadata: last?.value ?? null, degraded: true };
  }

  private async fetch(bookId: number): Promise<Metadata> {
    const res = await fetch(`${this.baseUrl}/books/${bookId}`, { signal: AbortSignal.timeout(1_000) });
    if (!res.ok) throw new Error(`metadata service answered ${res.status}`);
    const body = (await res.json()) as Metadata;
    return { isbn: body.isbn, pages: body.pages, language: body.language };
  }
}
