// Fields marked sensitive (password hashes, tokens) are removed before a value reaches any tier, so
// neither process memory dumps nor Redis ever hold them. The caller gets the same redacted value on a
// miss as on a hit: what the cache returns is what it stored.

export function redact<T>(value: T, fields: ReadonlySet<string>): T {
  if (fields.size === 0) return value;
  return strip(value, fields, 0) as T;
}

function strip(v: unknown, fields: ReadonlySet<string>, depth: number): unknown {
  if (depth > 32 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => strip(x, fields, depth + 1));
  if (v instanceof Map) return new Map([...v].filter(([k]) => !fields.has(String(k))).map(([k, x]) => [k, strip(x, fields, depth + 1)]));
  if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v; // Date, Buffer, class instances
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!fields.has(k)) out[k] = strip(x, fields, depth + 1);
  return out;
}
