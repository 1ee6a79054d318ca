// One cached value and its clock: fresh until `freshUntil`, then stale (still servable under grace)
// until `staleUntil`, then gone. Redis keeps the key until staleUntil (PX), so grace survives restarts.

export interface Entry<T = unknown> {
  value: T;
  createdAt: number;
  freshUntil: number;
  staleUntil: number;
  tags: string[];
  /** Serialized size in bytes, set by the tier that read it (L1 accounting); never stored. */
  size?: number;
}

export type EntryState = 'fresh' | 'stale' | 'expired';

export function makeEntry<T>(value: T, ttlMs: number, graceMs: number, tags: string[], now: number): Entry<T> {
  return { value, createdAt: now, freshUntil: now + ttlMs, staleUntil: now + ttlMs + graceMs, tags };
}

export function entryState(e: Entry, now: number): EntryState {
  if (now < e.freshUntil) return 'fresh';
  return now < e.staleUntil ? 'stale' : 'expired';
}
