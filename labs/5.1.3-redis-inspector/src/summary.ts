// Totals per prefix, built with the exercise-2 helpers.
import { addToSummary, type PrefixRow } from './prefix';
import type { KeyInfo } from './scan';

/** The groups, biggest first. */
export function summaryRows(acc: Map<string, PrefixRow>): PrefixRow[] {
  return [...acc.values()].sort((a, b) => b.bytes - a.bytes || b.count - a.count || a.prefix.localeCompare(b.prefix));
}

export function summarize(infos: Iterable<KeyInfo>, depth?: number): PrefixRow[] {
  const acc = new Map<string, PrefixRow>();
  for (const info of infos) addToSummary(acc, info, depth);
  return summaryRows(acc);
}
