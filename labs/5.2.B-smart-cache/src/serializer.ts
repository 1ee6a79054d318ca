// How entries become strings for Redis. superjson keeps Dates, BigInts, Maps, Sets (and, with the
// custom transformer below, Buffers) intact; plain JSON is faster but turns them into strings/{}.
// The bench measures the difference (see README).
import SuperJSON from 'superjson';
import { CacheSerializationError } from './errors';
import type { Entry } from './entry';

export interface Serializer {
  readonly name: string;
  encode(entry: Entry): string;
  decode(text: string): Entry;
}

const sj = new SuperJSON();
sj.registerCustom<Buffer, string>(
  { isApplicable: (v): v is Buffer => Buffer.isBuffer(v), serialize: (v) => v.toString('base64'), deserialize: (v) => Buffer.from(v, 'base64') },
  'buffer',
);

function wrap(name: string, encode: (e: Entry) => string, decode: (s: string) => Entry): Serializer {
  return {
    name,
    encode(entry) {
      try {
        return encode(entry);
      } catch (err) {
        throw new CacheSerializationError(`cannot encode value: ${(err as Error).message}`, { cause: err });
      }
    },
    decode(text) {
      try {
        const e = decode(text);
        if (!e || typeof e.freshUntil !== 'number') throw new Error('not a cache entry');
        return e;
      } catch (err) {
        throw new CacheSerializationError(`cannot decode entry: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}

export const superjsonSerializer = wrap('superjson', (e) => sj.stringify(e), (s) => sj.parse<Entry>(s));
export const jsonSerializer = wrap('json', (e) => JSON.stringify(e), (s) => JSON.parse(s) as Entry);
