// What the embedded-services files share (kept apart so they do not import each other in a circle).
import { readFileSync } from 'node:fs';

export type EmbeddedKind = 'redis' | 'postgres';

/** One server the harness started itself, as recorded in `<dir>/services.json`. */
export interface EmbeddedServer {
  kind: EmbeddedKind;
  port: number;
  pid: number;
  url: string;
  version: string;
  startedAt: string;
}

/** The embedded path cannot work here (no redis-server on PATH, no Postgres package for the platform…). */
export class EmbeddedUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedUnavailableError';
  }
}

/** The process exists (EPERM: it does, as another user's) and, on Linux, is not a zombie nobody reaped. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}
