// A JSON codec that never throws on a corrupt cache entry: a value that cannot be decoded is treated
// as a miss, so a bad entry costs one reload instead of an error page.

export interface Codec<T = unknown> {
  encode(value: T): string;
  /** Returns `undefined` when the text is not a valid encoding. */
  decode(text: string | null | undefined): T | undefined;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Plain JSON, reviving ISO-8601 UTC strings as Date (what `pg` returns for timestamptz). */
export const jsonCodec: Codec = {
  encode: (value) => JSON.stringify(value),
  decode(text) {
    if (text == null) return undefined;
    try {
      return JSON.parse(text, (_k, v) => (typeof v === 'string' && ISO_DATE.test(v) ? new Date(v) : v));
    } catch {
      return undefined;
    }
  },
};

export function typedJsonCodec<T>(): Codec<T> {
  return jsonCodec as Codec<T>;
}
