// `npm run lab 5.1.2`: two chat servers in this process (each with its own Redis connections, as two
// processes would have), three scripted users, and a narration of what travels through Redis.
import { Cluster } from 'ioredis';
import { deleteByPrefix, type LabContext } from '../../harness/context';
import { AppError } from '../../shared/errors';
import { ChatClient, login, loginOrRegister } from './src/client';
import type { ServerFrame } from './src/protocol';
import { startChatServer, type RunningChatServer } from './src/server';

const TTL_MS = 3_000; // short, so the demo shows a vanished user expiring within seconds

export async function runDemo(ctx: LabContext): Promise<void> {
  const log = ctx.log;
  // Its own namespace, emptied before and after: a rerun starts from a clean room.
  const keys = ctx.keys.forLab(`${ctx.keys.lab}:demo`);
  const namespace = `${ctx.prefix}${keys.lab}:`;
  await deleteByPrefix(ctx.redis, namespace);

  const server = (name: string) =>
    startChatServer({ redis: ctx.newRedis(), subscriber: ctx.newRedis(), keys, presenceTtlMs: TTL_MS, sweepEveryMs: 500, log }).then((s) => {
      log.info(`server ${name} listening on ${s.url} (one Redis connection for commands, one only for SUBSCRIBE)`);
      return s;
    });
  const A = await server('A');
  const B = await server('B');
  const clients: ChatClient[] = [];
  const where = new Map<ChatClient, string>();

  try {
    // --- accounts -------------------------------------------------------------------------------------
    const connect = async (srv: RunningChatServer, srvName: string, user: string) => {
      const token = await loginOrRegister(srv.url, user, `${user}-password`);
      const c = await ChatClient.connect(srv.url, token);
      clients.push(c);
      where.set(c, `${user}@${srvName}`);
      c.onFrame((f) => narrate(c, f));
      return c;
    };
    const narrate = (c: ChatClient, f: ServerFrame) => {
      const me = where.get(c)!;
      if (f.type === 'message' && f.user !== c.user) log.info(`  ${me} ← ${f.user}: ${f.text}`);
      else if (f.type === 'join' && f.user !== c.user) log.info(`  ${me} ← * ${f.user} joined #${f.room}`);
      else if (f.type === 'leave') log.info(`  ${me} ← * ${f.user} left #${f.room} (${f.reason})`);
      else if (f.type === 'error') log.info(`  ${me} ← error frame ${f.code}: ${f.message}`);
    };

    log.info('alice registers and logs in on A, bob on B (scrypt hashes in one Redis hash, session tokens with a TTL)');
    const alice = await connect(A, 'A', 'alice');
    const bob = await connect(B, 'B', 'bob');
    try {
      await login(A.url, 'alice', 'guess-guess-guess');
    } catch (err) {
      if (err instanceof AppError) log.info(`mallory tries alice's account with a guessed password: ${err.status} ${err.code}, "${err.message}"`);
    }

    // --- a conversation across two servers --------------------------------------------------------------
    await alice.join('general');
    const joined = await bob.join('general');
    log.info(`alice (A) and bob (B) joined #general; online: ${joined.online.join(', ')}`);
    await alice.next('join', (e) => e.user === 'bob');
    const script: Array<[ChatClient, string]> = [
      [alice, 'hi bob, I am connected to server A'],
      [bob, 'and I am on B: your message came through a Redis channel'],
      [alice, 'each room is one channel; each server SUBSCRIBEs once per room'],
      [bob, 'and every message is also LPUSHed into a capped history list'],
    ];
    for (const [who, text] of script) {
      const other = who === alice ? bob : alice;
      who.say('general', text);
      await other.heard('general', who.user, text);
    }

    log.info('bob sends three bad frames; each gets an error frame and his socket stays open:');
    bob.send('this is not JSON');
    await bob.next('error');
    bob.send({ type: 'join', room: 'no-such-room' });
    await bob.next('error');
    bob.send({ type: 'message', room: 'general', text: '' });
    await bob.next('error');
    bob.say('general', 'still here after all that');
    await alice.heard('general', 'bob', 'still here after all that');

    // --- history on join ----------------------------------------------------------------------------------
    const carol = await connect(A, 'A', 'carol');
    const carolJoined = await carol.join('general');
    log.info(`carol joins #general on A and receives the last ${carolJoined.history.length} messages (LRANGE of the capped list):`);
    for (const m of carolJoined.history) log.info(`    ${m.user}: ${m.text}`);
    await Promise.all([alice.next('join', (e) => e.user === 'carol'), bob.next('join', (e) => e.user === 'carol')]);

    // --- presence: heartbeats and expiry ------------------------------------------------------------------
    alice.startHeartbeats();
    bob.startHeartbeats();
    log.info(`online now: ${(await alice.who('general')).join(', ')}. alice and bob send a heartbeat every ${alice.heartbeatMs} ms;`);
    log.info(`carol's laptop lid closes: her socket stays open but sends nothing. presence TTL is ${TTL_MS} ms, and each server sweeps every 500 ms`);
    const t0 = Date.now();
    await alice.next('leave', (e) => e.user === 'carol', TTL_MS * 4);
    log.info(`carol expired after ${((Date.now() - t0) / 1000).toFixed(1)} s without a heartbeat; online: ${(await alice.who('general')).join(', ')}`);
    const presence = await ctx.redis.zrange(keys.key('presence', 'general'), 0, -1, 'WITHSCORES');
    log.info(`ZRANGE ${keys.key('presence', 'general')} WITHSCORES → ${presence.join(' ')}  (score = last heartbeat, ms)`);

    // --- a clean leave ----------------------------------------------------------------------------------------
    const channel = keys.key('room', 'general');
    // NUMSUB counts one node's subscribers: on a cluster, add up every node (a subscriber may sit on any).
    const nodes = ctx.redis instanceof Cluster ? ctx.redis.nodes('all') : [ctx.redis];
    const subscribers = async () => {
      const counts = await Promise.all(nodes.map(async (n) => Number(((await n.pubsub('NUMSUB', channel)) as [string, number])[1])));
      return counts.reduce((a, b) => a + b, 0);
    };
    log.info(`PUBSUB NUMSUB ${channel} → ${await subscribers()} (servers A and B)`);
    await bob.close();
    await alice.next('leave', (e) => e.user === 'bob');
    log.info(`bob closed his socket: B had nobody left in #general, so it UNSUBSCRIBEd → NUMSUB ${await subscribers()}`);
    log.info(`history: ${await ctx.redis.llen(keys.key('history', 'general'))} messages kept in ${keys.key('history', 'general')} (capped at ${A.chat.history.size})`);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([A.close(), B.close()]);
    await deleteByPrefix(ctx.redis, namespace);
  }
  log.info('done: both servers stopped, demo keys removed');
}
