// `npm run lab 5.1.2 -- serve --port 3000 [--rooms general,random,redis]`: one chat server; start a second
// one on another port and clients on either share the rooms.
import { parseArgs } from 'node:util';
import type { LabContext } from '../../harness/context';
import type { ServeResult } from '../../harness/define-lab';
import { UsageError } from '../../harness/usage-error';
import { whenRedisReady } from '../../shared/redis-client';
import { DEFAULT_ROOMS, ROOM_NAME } from './src/protocol';
import { createChatServer } from './src/server';

export async function serveChat(ctx: LabContext, argv: string[]): Promise<ServeResult> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, rooms: { type: 'string', default: DEFAULT_ROOMS.join(',') } }, strict: false });
  const rooms = String(values.rooms).split(',').map((r) => r.trim()).filter(Boolean);
  const bad = rooms.filter((r) => !ROOM_NAME.test(r));
  if (!rooms.length || bad.length) throw new UsageError(`--rooms: room names are 1-32 of a-z, 0-9 and - (got ${bad.join(', ') || 'none'})`);
  // The subscriber is a serving client too (one log line per state change); it queues nothing while
  // connecting, so let it be ready before the first SUBSCRIBE (a service may start without Redis).
  const subscriber = ctx.newRedis();
  await whenRedisReady(subscriber).catch(() => ctx.log.warn('redis is not answering yet; joins fail with service_unavailable until it does'));
  const chat = createChatServer({ redis: ctx.redis, subscriber, keys: ctx.keys, rooms, log: ctx.log });
  ctx.log.info(`rooms: ${rooms.join(', ')}; WebSocket on /ws, POST /register and /login. Try: npm run lab 5.1.2 -- join general --user alice`);
  return { app: chat.app, attach: (server) => chat.attach(server), close: () => chat.close() };
}
