// `npm run bench 5.1.2`: (1) fan-out: one message to 1, 100 and 1,000 WebSocket subscribers of a room,
// half on server A and half on server B (all in this process), latency from send to each delivery;
// (2) throughput: messages/s through one room, against bare PUBLISH → SUBSCRIBE in the same run.
import pLimit from 'p-limit';
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { LatencyRecorder, type LatencyStats } from '../../harness/latency';
import { latencyMetric, rateMetric, ratio, type Metric } from '../../harness/report';
import { clusterRows } from './cluster-bench';
import { ChatClient } from './src/client';
import type { ChatMessage } from './src/protocol';
import { startChatServer, type RunningChatServer } from './src/server';

const ROOMS = ['fanout', 'flood'];

/** `count` sockets joined to `room`, spread over the servers, sharing a few user names (see notes). */
async function subscribers(servers: RunningChatServer[], room: string, from: number, count: number, onProgress: () => void): Promise<ChatClient[]> {
  const limit = pLimit(25);
  return Promise.all(
    Array.from({ length: count }, (_, k) =>
      limit(async () => {
        const i = from + k;
        const server = servers[(i + 1) % servers.length]!; // subscriber 0 sits on B, the sender on A
        const { token } = await server.chat.auth.createSession(`sub-${i % 10}`);
        const c = await ChatClient.connect(server.url, token, { queue: false });
        await c.join(room);
        onProgress();
        return c;
      }),
    ),
  );
}

interface FanOut {
  perDelivery: LatencyStats;
  lastDelivery: LatencyStats;
}

/** Sends `messages` one after another; each is done when every subscriber has it. */
async function fanOut(sender: ChatClient, subs: ChatClient[], room: string, messages: number, warmup: number, tick: () => void): Promise<FanOut> {
  const perDelivery = new LatencyRecorder();
  const lastDelivery = new LatencyRecorder();
  let sentAt = 0;
  let pending = 0;
  let current = '';
  let done: () => void = () => {};
  let measuring = false;
  const offs = subs.map((c) =>
    c.onFrame((f) => {
      if (f.type !== 'message' || f.room !== room || f.text !== current) return;
      const ns = (performance.now() - sentAt) * 1e6;
      if (measuring) perDelivery.recordNanos(ns);
      if (--pending === 0) {
        if (measuring) lastDelivery.recordNanos(ns);
        done();
      }
    }),
  );
  perDelivery.start();
  lastDelivery.start();
  for (let i = 0; i < warmup + messages; i++) {
    measuring = i >= warmup;
    current = `m${i}`;
    pending = subs.length;
    const all = new Promise<void>((r) => (done = r));
    sentAt = performance.now();
    sender.say(room, current);
    await all;
    if (measuring) tick();
  }
  perDelivery.stop();
  lastDelivery.stop();
  for (const off of offs) off();
  return { perDelivery: perDelivery.stats(), lastDelivery: lastDelivery.stats() };
}

export async function runBench({ ctx, quick, progress }: BenchApi): Promise<BenchResult> {
  const sizes = quick ? [1, 10, 100] : [1, 100, 1000];
  const messagesFor = (n: number) => (quick ? 30 : n >= 1000 ? 100 : n >= 100 ? 300 : 1000);
  const floodMessages = quick ? 2_000 : 20_000;
  const senders = 4;

  // The bench is its own trusted client: subscribers share ten user names (see the notes), so a user holds
  // up to 100 sockets per server, and the flood's senders write as fast as their sockets take it. The
  // per-user socket and per-socket in-flight bounds (10 and 100 by default, for untrusted clients) are
  // raised here so the bench measures delivery, not the policy that protects a real server.
  const server = () =>
    startChatServer({ redis: ctx.newRedis(), subscriber: ctx.newRedis(), keys: ctx.keys, rooms: ROOMS, historySize: 50, maxSocketsPerUser: 1000, maxPendingFrames: 100_000 });
  const servers = [await server(), await server()];
  const clients: ChatClient[] = [];
  const subs: ChatClient[] = [];
  const metrics: Metric[] = [];
  const fan = new Map<number, FanOut>();
  try {
    const { token } = await servers[0]!.chat.auth.createSession('sender');
    const sender = await ChatClient.connect(servers[0]!.url, token, { queue: false });
    clients.push(sender);
    await sender.join('fanout');

    // (1) fan-out: grow the room to each size, then send messages one at a time.
    const joinBar = progress('connect + join subscribers', sizes.at(-1)!);
    for (const n of sizes) {
      subs.push(...(await subscribers(servers, 'fanout', subs.length, n - subs.length, () => joinBar.increment())));
      const m = messagesFor(n);
      const bar = progress(`fan-out to ${n}`, m);
      const r = await fanOut(sender, subs, 'fanout', m, Math.min(20, m), () => bar.increment());
      bar.stop();
      fan.set(n, r);
      metrics.push(latencyMetric(`fan-out to ${n}: send → each delivery`, r.perDelivery));
      metrics.push(latencyMetric(`fan-out to ${n}: send → last of ${n} deliveries`, r.lastDelivery));
    }
    joinBar.stop();
    await Promise.all(subs.splice(0).map((c) => c.close()));

    // (2) throughput through one room: 4 senders write as fast as their sockets take it, 10 listeners
    // (5 per server); measured until one listener on B has every message.
    const listeners = await subscribers(servers, 'flood', 0, 10, () => {});
    clients.push(...listeners);
    const floodSenders = await Promise.all(
      Array.from({ length: senders }, async (_, i) => {
        const c = await ChatClient.connect(servers[i % 2]!.url, (await servers[0]!.chat.auth.createSession(`flooder-${i}`)).token, { queue: false });
        await c.join('flood');
        clients.push(c);
        return c;
      }),
    );
    const total = floodMessages;
    const floodBar = progress('messages through one room', total);
    let received = 0;
    const allIn = new Promise<void>((resolve) => {
      listeners[0]!.onFrame((f) => {
        if (f.type === 'message' && f.room === 'flood' && (f as ChatMessage).user.startsWith('flooder-')) {
          if (++received % 500 === 0) floodBar.update(received);
          if (received === total) resolve();
        }
      });
    });
    const f0 = performance.now();
    for (let i = 0; i < total; i++) floodSenders[i % senders]!.say('flood', `flood ${i}`);
    await allIn;
    const chatRate = total / ((performance.now() - f0) / 1000);
    floodBar.stop();
    metrics.push(rateMetric(`one room, ${senders} senders → ${listeners.length} listeners (messages/s)`, chatRate, 'msg/s'));
    metrics.push(rateMetric(`one room: WebSocket deliveries/s (${listeners.length + senders} sockets in the room)`, chatRate * (listeners.length + senders), 'deliveries/s'));

    // Bare Redis pub/sub on the same machine, same size of messages: the floor under the chat server.
    const pub = ctx.newRedis();
    const sub = ctx.newRedis();
    const channel = ctx.keys.key('raw', 'flood');
    let rawReceived = 0;
    const rawIn = new Promise<void>((resolve) => sub.on('message', () => ++rawReceived === total && resolve()));
    await sub.subscribe(channel);
    const payload = JSON.stringify({ type: 'message', id: crypto.randomUUID(), room: 'flood', user: 'flooder-0', text: 'flood 12345', ts: Date.now() });
    // Same shape as the chat senders: as many publishers, each waiting for its reply before the next.
    const r0 = performance.now();
    await Promise.all(
      Array.from({ length: senders }, async (_, s) => {
        for (let i = s; i < total; i += senders) await pub.publish(channel, payload);
      }),
    );
    await rawIn;
    const rawRate = total / ((performance.now() - r0) / 1000);
    metrics.push(rateMetric(`bare PUBLISH → one SUBSCRIBE connection, ${senders} publishers awaiting each reply (messages/s)`, rawRate, 'msg/s'));

    // (3) Redis Cluster: the message hot path on a cluster vs one server, and a failover drill.
    const onCluster = await clusterRows(ctx, quick);
    metrics.push(...onCluster.metrics);

    const small = sizes[0]!;
    const big = sizes.at(-1)!;
    const mid = sizes[1]!;
    const p = (n: number) => fan.get(n)!;
    return {
      metrics,
      ratios: [
        ratio(`fanout_p99_${big} / fanout_p99_${small}`, p(big).perDelivery.p99 / p(small).perDelivery.p99, undefined, 'send → each delivery'),
        ratio(`fanout_p50_${big} / fanout_p50_${small}`, p(big).perDelivery.p50 / p(small).perDelivery.p50),
        ratio(`fanout_p99_${mid} / fanout_p99_${small}`, p(mid).perDelivery.p99 / p(small).perDelivery.p99),
        ratio(`last_delivery_p50_${big} / ${big}`, p(big).lastDelivery.p50 / big, undefined, 'µs per subscriber on average: time to the last of them ÷ their number'),
        ratio('chat_msgs_per_s / bare_publish_per_s', chatRate / rawRate, undefined, 'what validation, history and the WebSocket hops cost over bare pub/sub'),
        ...onCluster.ratios,
      ],
      notes: [
        `Fan-out: ${sizes.join(', ')} WebSocket subscribers of one room, alternating between two chat servers in this process (each with its own Redis command and SUBSCRIBE connections); the sender is on server A. Every message goes sender → A → MULTI(LPUSH, LTRIM) + PUBLISH → both servers' subscriber connections → every socket. Messages are sent one at a time: the next leaves when all subscribers have the previous one (${sizes.map((n) => `${messagesFor(n)} at ${n}`).join(', ')}, after a warm-up).`,
        'Clients, servers and the event loop that measures share one process and these two cores, so the 1,000-subscriber numbers include the clients parsing 1,000 frames: read them as an upper bound on the servers\' cost. Subscribers share ten user names (sub-0 … sub-9), so joining the room publishes ten join events, not one per socket.',
        `Throughput: ${total.toLocaleString('en-US')} messages from ${senders} sockets (2 per server) into one room with ${listeners.length} listeners, timed until one listener on server B had them all; against bare PUBLISH to one SUBSCRIBE connection from the same number of publishers, each waiting for its reply as a chat socket's frames do (they are handled one after another, to keep their order).`,
        'Cluster: one chat message\'s Redis work (MULTI LPUSH+LTRIM on the room history, PUBLISH on the room channel) on a private single server and a private 3-master cluster, alternating; then the failover drill of test/failover.test.ts (logins and registrations while the master of the users hash is killed).',
      ],
    };
  } finally {
    await Promise.all([...clients, ...subs].map((c) => c.close()));
    await Promise.all(servers.map((s) => s.close()));
  }
}
