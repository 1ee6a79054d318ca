// INFO is text: `# Section` headers and `field:value` lines. Parsed once here for memory and stats.

/** Every `field:value` of an INFO reply (sections flattened; field names are unique across them). */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export interface DbKeyspace {
  db: number;
  keys: number;
  expires: number;
  /** Average TTL in ms of the keys that have one (Redis samples it). */
  avgTtl: number;
}

/** The `db0:keys=12,expires=3,avg_ttl=5000` lines of INFO keyspace. */
export function parseKeyspace(info: Record<string, string>): DbKeyspace[] {
  return Object.entries(info)
    .filter(([k]) => /^db\d+$/.test(k))
    .map(([k, v]) => {
      const f = Object.fromEntries(v.split(',').map((kv) => kv.split('=') as [string, string]));
      return { db: Number(k.slice(2)), keys: Number(f.keys ?? 0), expires: Number(f.expires ?? 0), avgTtl: Number(f.avg_ttl ?? 0) };
    })
    .sort((a, b) => a.db - b.db);
}

export const num = (info: Record<string, string>, field: string): number => Number(info[field] ?? 0);
