// What the embedded-services files share (kept apart so they do not import each other in a circle).

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
