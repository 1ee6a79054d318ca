// The thin printing layer's helpers: units, colours and tables. Commands return data; these turn it
// into text (tests read both).
import Table from 'cli-table3';
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

export interface FormatOptions {
  /** Colours on (default: when stdout is a colour terminal). */
  color?: boolean;
}

export function colors(opts: FormatOptions = {}): Colors {
  return pc.createColors(opts.color ?? pc.isColorSupported);
}

export function table(head: string[], opts: FormatOptions & { align?: Array<'left' | 'right'> } = {}): Table.Table {
  const color = opts.color ?? pc.isColorSupported;
  return new Table({
    head,
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }, // no rule between rows
    ...(opts.align ? { colAligns: opts.align } : {}),
  });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** `no TTL`, `850 ms`, `42 s`, `3m 05s`, `2h 10m`, `4d 3h`. */
export function formatTtl(pttl: number): string {
  if (pttl === -1) return 'no TTL';
  if (pttl < 0) return 'gone';
  if (pttl < 1_000) return `${pttl} ms`;
  const s = Math.floor(pttl / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export const formatCount = (n: number) => n.toLocaleString('en-US');

/** Shortens long keys for a table cell, keeping the end (where ids usually are). */
export function clip(s: string, max = 60): string {
  return s.length <= max ? s : `…${s.slice(s.length - max + 1)}`;
}
