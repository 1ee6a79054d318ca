// A keyspace of all five types (plus a stream), with and without TTL, under a test's prefix.
import type { RedisClient } from '../../../shared/redis-client';

export const BINARY = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x41]);

/**
 * Separate commands sent together, not one pipeline: on a cluster the keys live on different masters.
 * A key's commands still run in order (one connection per server).
 */
export async function buildKeyspace(redis: RedisClient, base: string): Promise<string[]> {
  await Promise.all([
    redis.set(`${base}str:plain`, 'hello'),
    redis.set(`${base}str:ttl`, 'soon gone', 'PX', 600_000),
    redis.set(Buffer.from(`${base}str:bin`), BINARY),
    redis.set(`${base}str:big`, 'x'.repeat(20_000), 'PX', 900_000),
    redis.hset(`${base}user:1`, { name: 'Ada', email: 'ada@example.com' }),
    redis.hset(`${base}user:2`, { name: 'Grace', bin: BINARY }),
    redis.pexpire(`${base}user:2`, 300_000),
    redis.rpush(`${base}queue:jobs`, 'a', 'b', 'a', '', 'c'), // order and duplicates matter
    redis.sadd(`${base}tags:1`, 'x', 'y', 'z'),
    redis.pexpire(`${base}tags:1`, 120_000),
    redis.zadd(`${base}board:all`, 0.1, 'ada', '-inf', 'nobody', 1e300, 'grace', 42, 'linus'),
    redis.zadd(`${base}board:day`, 3, 'a', 1, 'b'),
    redis.pexpire(`${base}board:day`, 60_000),
  ]);
  return KEYSPACE.map((k) => base + k);
}

/** The keys buildKeyspace writes (after the base). */
export const KEYSPACE = ['str:plain', 'str:ttl', 'str:bin', 'str:big', 'user:1', 'user:2', 'queue:jobs', 'tags:1', 'board:all', 'board:day'];
/** The keys with a TTL, and the TTL they got (ms). */
export const TTLS: Record<string, number> = { 'str:ttl': 600_000, 'str:big': 900_000, 'user:2': 300_000, 'tags:1': 120_000, 'board:day': 60_000 };
export const TYPES: Record<string, string> = {
  'str:plain': 'string',
  'str:ttl': 'string',
  'str:bin': 'string',
  'str:big': 'string',
  'user:1': 'hash',
  'user:2': 'hash',
  'queue:jobs': 'list',
  'tags:1': 'set',
  'board:all': 'zset',
  'board:day': 'zset',
};

/** Everything about a key, binary-safe, for comparing before and after a round trip. */
export async function snapshot(redis: RedisClient, key: string): Promise<{ type: string; value: unknown; pttl: number }> {
  const type = await redis.type(key);
  const pttl = await redis.pttl(key);
  let value: unknown;
  if (type === 'string') value = (await redis.getBuffer(key))?.toString('hex');
  else if (type === 'hash') value = toHexPairs((await redis.callBuffer('HGETALL', key)) as Buffer[]).sort();
  else if (type === 'list') value = (await redis.lrangeBuffer(key, 0, -1)).map((b) => b.toString('hex'));
  else if (type === 'set') value = (await redis.smembersBuffer(key)).map((b) => b.toString('hex')).sort();
  else if (type === 'zset') value = toHexPairs(await redis.zrangeBuffer(key, 0, -1, 'WITHSCORES'));
  else if (type === 'stream') value = await redis.xrange(key, '-', '+');
  return { type, value, pttl };
}

function toHexPairs(flat: Buffer[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push(`${flat[i]!.toString('hex')}=${flat[i + 1]!.toString()}`);
  return out;
}
