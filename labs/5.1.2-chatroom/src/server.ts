// The chat server: express for register/login, ws for the chat itself. Every socket's frames are
// validated, then turned into Redis calls (history, presence) and PUBLISHes on the room's channel; what
// arrives on a channel is forwarded to this server's sockets in that room. Nothing is shared in memory
// between servers, so two processes (or two servers in one process, as in the demo) serve the same rooms.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { RedisClient } from '../../../shared/redis-client';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { isAppError } from '../../../shared/errors';
import { createApp, finishApp, formatZodError, listen, valid, validate, type AppWithMetrics } from '../../../shared/http';
import type { KeyBuilder } from '../../../shared/keys';
import { TooManyLoginAttemptsError, type LoginLimits, type ScryptParams } from '../../../shared/password';
import { isRedisUnavailable, REDIS_RETRY_AFTER_S } from '../../../shared/redis-client';
import { createAuth, Credentials, type Auth } from './auth';
import { createRoomBridge, type RoomBridge } from './bridge';
import { createRoomHistory, DEFAULT_HISTORY_SIZE, type RoomHistory } from './history';
import { createPresence, DEFAULT_PRESENCE_TTL_MS, type Presence } from './presence';
import { ClientFrame, DEFAULT_ROOMS, type ChatMessage, type RoomEvent, type ServerFrame } from './protocol';

export interface ChatServerOptions {
  /** Commands: history, presence, sessions, PUBLISH. */
  redis: RedisClient;
  /** A connection for SUBSCRIBE only. */
  subscriber: RedisClient;
  keys: KeyBuilder;
  /** The rooms that exist; joining anything else is an `unknown_room` error. */
  rooms?: readonly string[];
  historySize?: number;
  presenceTtlMs?: number;
  /** How often this server sweeps expired presence (default ttl/3); false: only when sweep() is called. */
  sweepEveryMs?: number | false;
  now?: () => number;
  /** scrypt cost of new password hashes (default DEFAULT_SCRYPT; tests and benches pass TEST_SCRYPT). */
  passwordParams?: ScryptParams;
  /** Login attempts per account and per client per window (default DEFAULT_LOGIN_LIMITS). */
  loginLimits?: LoginLimits;
  /** Largest WebSocket frame; a bigger one closes the socket (1009), as a guard, not as validation. */
  maxPayloadBytes?: number;
  /** A socket whose unsent frames pass this many bytes (a reader that stopped reading) is closed, 1008. */
  maxBufferedBytes?: number;
  /** Frames of one socket waiting to be handled; past it the socket is closed, 1008. */
  maxPendingFrames?: number;
  /** Open sockets per user on this server; one more is refused with 429. */
  maxSocketsPerUser?: number;
  log?: Logger;
}

export interface ChatServer {
  app: AppWithMetrics;
  /** Handles WebSocket upgrades on `/ws` of the server that serves `app`. */
  attach(server: http.Server): void;
  /** Expires silent users in every room and publishes their leave events; returns them. */
  sweep(): Promise<Array<{ room: string; user: string }>>;
  /** Open sockets on this server. */
  connections(): number;
  /** Sockets closed (1008) because their send queue passed maxBufferedBytes. */
  closedSlow(): number;
  auth: Auth;
  presence: Presence;
  history: RoomHistory;
  bridge: RoomBridge;
  close(): Promise<void>;
}

interface Connection {
  ws: WebSocket;
  user: string;
  /** Joined rooms and how to stop receiving each. */
  rooms: Map<string, () => Promise<void>>;
  /** Frames of one socket are handled one after another, so "join" is done before the next "message". */
  queue: Promise<void>;
  /** Frames received and not yet handled (bounded by maxPendingFrames). */
  pending: number;
  /** Settles once the socket closed and its rooms were left. */
  closed: Promise<void>;
}

class FrameError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function createChatServer(opts: ChatServerOptions): ChatServer {
  const { redis, keys } = opts;
  const rooms = [...(opts.rooms ?? DEFAULT_ROOMS)];
  const now = opts.now ?? Date.now;
  const ttlMs = opts.presenceTtlMs ?? DEFAULT_PRESENCE_TTL_MS;
  const auth = createAuth(redis, keys, { passwordParams: opts.passwordParams, loginLimits: opts.loginLimits });
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  const maxPending = opts.maxPendingFrames ?? 100;
  const maxSockets = opts.maxSocketsPerUser ?? 10;
  let closedSlow = 0;
  const history = createRoomHistory(redis, keys, opts.historySize ?? DEFAULT_HISTORY_SIZE);
  const presence = createPresence(redis, keys, { ttlMs, now });
  const bridge = createRoomBridge(redis, opts.subscriber, keys);
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayloadBytes ?? 64 * 1024 });
  const connections = new Set<Connection>();
  // How many of this server's sockets a user has in a room: only the last one to go takes them offline.
  const localCount = new Map<string, number>();
  const countKey = (room: string, user: string) => `${room}\n${user}`;

  // --- HTTP: accounts and sessions -------------------------------------------------------------------
  const app = createApp({ name: 'chat' });
  app.post('/register', validate({ body: Credentials }), async (_req, res) => {
    const { body } = valid(res, { body: Credentials });
    await auth.register(body);
    res.status(201).json({ user: body.user });
  });
  app.post('/login', validate({ body: Credentials }), async (req, res) => {
    try {
      res.json(await auth.login(valid(res, { body: Credentials }).body, req.ip ?? 'unknown'));
    } catch (err) {
      if (err instanceof TooManyLoginAttemptsError) res.set('Retry-After', String(err.retryAfterSeconds));
      throw err;
    }
  });
  app.get('/rooms', (_req, res) => {
    res.json({ rooms, heartbeatMs: Math.floor(ttlMs / 3) });
  });
  finishApp(app);

  // --- WebSocket ----------------------------------------------------------------------------------
  // Backpressure: a socket whose reader stopped reading keeps its frames in memory. Past the bound it is
  // closed with 1008 (policy) and nothing more is queued; if the close cannot be delivered, it is cut.
  const send = (ws: WebSocket, frame: ServerFrame | Buffer) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > maxBuffered) return closeForPolicy(ws, 'too slow: the send queue passed its bound', true);
    if (Buffer.isBuffer(frame)) ws.send(frame, { binary: false });
    else ws.send(JSON.stringify(frame));
  };
  const closeForPolicy = (ws: WebSocket, reason: string, slow = false) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (slow) closedSlow++;
    opts.log?.warn({ reason }, 'closing a socket (1008)');
    ws.close(1008, reason);
    setTimeout(() => ws.terminate(), 5000).unref();
  };
  const publish = (room: string, event: RoomEvent) => bridge.publish(room, event);
  const requireRoom = (room: string) => {
    if (!rooms.includes(room)) throw new FrameError('unknown_room', `no room "${room}"; the rooms are ${rooms.join(', ')}`);
  };
  const requireJoined = (conn: Connection, room: string) => {
    requireRoom(room);
    if (!conn.rooms.has(room)) throw new FrameError('not_joined', `join "${room}" first`);
  };

  async function join(conn: Connection, room: string) {
    requireRoom(room);
    if (conn.rooms.has(room)) throw new FrameError('already_joined', `already in "${room}"`);
    // Subscribe BEFORE reading history, and hold live events until history is sent: nothing said in
    // between is lost, and what is in both is sent once (de-duplicated by message id).
    let held: Array<{ event: RoomEvent; raw: Buffer }> | null = [];
    const stop = await bridge.subscribe(room, (event, raw) => {
      if (held) held.push({ event, raw });
      else send(conn.ws, raw);
    });
    try {
      const [past, isNew] = await Promise.all([history.recent(room), presence.heartbeat(room, conn.user)]);
      conn.rooms.set(room, stop);
      localCount.set(countKey(room, conn.user), (localCount.get(countKey(room, conn.user)) ?? 0) + 1);
      if (isNew) await publish(room, { type: 'join', room, user: conn.user, ts: now() });
      send(conn.ws, { type: 'joined', room, history: past, online: await presence.online(room) });
      const seen = new Set(past.map((m) => m.id));
      for (const { event, raw } of held) if (event.type !== 'message' || !seen.has(event.id)) send(conn.ws, raw);
      held = null;
    } catch (err) {
      await (conn.rooms.get(room) === stop ? leave(conn, room, null) : stop()).catch(() => {});
      throw err;
    }
  }

  async function leave(conn: Connection, room: string, reason: 'left' | 'disconnected' | null) {
    const stop = conn.rooms.get(room);
    if (!stop) return;
    conn.rooms.delete(room);
    await stop();
    const k = countKey(room, conn.user);
    const left = (localCount.get(k) ?? 1) - 1;
    if (left > 0) return void localCount.set(k, left);
    localCount.delete(k);
    if ((await presence.remove(room, conn.user)) && reason) await publish(room, { type: 'leave', room, user: conn.user, ts: now(), reason });
  }

  async function handle(conn: Connection, frame: ClientFrame) {
    switch (frame.type) {
      case 'ping':
        return send(conn.ws, { type: 'pong' });
      case 'join':
        return join(conn, frame.room);
      case 'leave':
        requireJoined(conn, frame.room);
        await leave(conn, frame.room, 'left');
        return send(conn.ws, { type: 'left', room: frame.room });
      case 'who':
        requireRoom(frame.room);
        return send(conn.ws, { type: 'presence', room: frame.room, online: await presence.online(frame.room) });
      case 'heartbeat':
        for (const room of conn.rooms.keys()) {
          // A user the sweeper already expired comes back with a fresh join.
          if (await presence.heartbeat(room, conn.user)) await publish(room, { type: 'join', room, user: conn.user, ts: now() });
        }
        return;
      case 'message': {
        requireJoined(conn, frame.room);
        const message: ChatMessage = { type: 'message', id: randomUUID(), room: frame.room, user: conn.user, text: frame.text, ts: now() };
        // Sent together, one round trip: commands on one connection run in order, so the message is in
        // the history before any server hears it (a joiner de-duplicates the overlap by id).
        await Promise.all([history.push(frame.room, message), publish(frame.room, message)]);
        return;
      }
    }
  }

  /** Turns one raw frame into a handled frame or an error frame; the socket stays open either way. */
  async function onFrame(conn: Connection, data: RawData, isBinary: boolean) {
    try {
      if (isBinary) throw new FrameError('invalid_json', 'frames are JSON text, not binary');
      let json: unknown;
      try {
        json = JSON.parse(data.toString());
      } catch {
        throw new FrameError('invalid_json', 'frame is not valid JSON');
      }
      const parsed = ClientFrame.safeParse(json);
      if (!parsed.success) {
        const onText = parsed.error.issues.some((i) => i.path[0] === 'text');
        throw new FrameError(onText ? 'invalid_message' : 'invalid_frame', formatZodError(parsed.error));
      }
      await handle(conn, parsed.data);
    } catch (err) {
      if (err instanceof FrameError) return send(conn.ws, { type: 'error', code: err.code, message: err.message });
      if (isAppError(err)) return send(conn.ws, { type: 'error', code: err.code, message: err.message });
      // An outage is expected: one warn line, no stack, and never the driver's text on the wire.
      if (isRedisUnavailable(err)) {
        opts.log?.warn({ user: conn.user }, 'frame refused: redis unavailable');
        return send(conn.ws, { type: 'error', code: 'service_unavailable', message: 'the chat store is unavailable; try again shortly' });
      }
      opts.log?.error({ err, user: conn.user }, 'frame failed');
      send(conn.ws, { type: 'error', code: 'server_error', message: 'internal error' });
    }
  }

  wss.on('connection', (ws: WebSocket, user: string) => {
    let closed!: () => void;
    const conn: Connection = { ws, user, rooms: new Map(), queue: Promise.resolve(), pending: 0, closed: new Promise((r) => (closed = r)) };
    connections.add(conn);
    ws.on('message', (data, isBinary) => {
      if (conn.pending >= maxPending) return closeForPolicy(ws, 'too many frames in flight');
      conn.pending++;
      conn.queue = conn.queue.then(() => onFrame(conn, data, isBinary)).finally(() => void conn.pending--);
    });
    ws.on('error', () => {}); // e.g. a frame over maxPayload: ws closes the socket itself
    ws.on('close', () => {
      void conn.queue
        .then(async () => {
          for (const room of [...conn.rooms.keys()]) await leave(conn, room, 'disconnected');
        })
        .catch((err: Error) => opts.log?.debug({ err: err.message }, 'cleanup after close failed'))
        .finally(() => {
          connections.delete(conn);
          closed();
        });
    });
    send(ws, { type: 'welcome', user, rooms, heartbeatMs: Math.floor(ttlMs / 3) });
  });

  const REASONS: Record<number, string> = { 401: 'Unauthorized', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };
  const refuse = (socket: Duplex, status: number, code: string, message: string) => {
    const body = JSON.stringify({ error: { code, message } });
    const retry = status === 503 ? `Retry-After: ${REDIS_RETRY_AFTER_S}\r\n` : '';
    socket.end(`HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry}Connection: close\r\n\r\n${body}`);
  };
  const socketsOf = (user: string) => [...connections].filter((c) => c.user === user && c.ws.readyState === WebSocket.OPEN).length;

  function attach(server: http.Server) {
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => {});
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/ws') return refuse(socket, 404, 'not_found', 'WebSockets are on /ws');
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const token = bearer ?? url.searchParams.get('token') ?? '';
      auth
        .userFor(token)
        .then((user) => {
          if (!user) return refuse(socket, 401, 'unauthorized', 'a valid session token is required: POST /login first');
          if (socketsOf(user) >= maxSockets) return refuse(socket, 429, 'too_many_connections', `at most ${maxSockets} sockets per user`);
          wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, user));
        })
        .catch((err: unknown) => {
          // Redis not answering is an outage (503, try again), not a bad token (401).
          if (isRedisUnavailable(err)) return refuse(socket, 503, 'service_unavailable', 'sessions cannot be checked right now; try again shortly');
          opts.log?.error({ err }, 'upgrade failed');
          refuse(socket, 500, 'internal', 'internal error');
        });
    });
  }

  async function sweep() {
    const gone: Array<{ room: string; user: string }> = [];
    for (const room of rooms) {
      for (const user of await presence.expire(room)) {
        gone.push({ room, user });
        await publish(room, { type: 'leave', room, user, ts: now(), reason: 'timeout' });
      }
    }
    return gone;
  }
  const everyMs = opts.sweepEveryMs ?? Math.max(50, Math.floor(ttlMs / 3));
  const sweeper =
    everyMs === false
      ? undefined
      : setInterval(() => void sweep().catch((err: Error) => opts.log?.debug({ err: err.message }, 'presence sweep failed')), everyMs);
  sweeper?.unref();

  return {
    app,
    attach,
    sweep,
    connections: () => connections.size,
    closedSlow: () => closedSlow,
    auth,
    presence,
    history,
    bridge,
    async close() {
      if (sweeper) clearInterval(sweeper);
      const open = [...connections];
      for (const conn of open) conn.ws.terminate();
      await Promise.all(open.map((c) => c.closed));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await bridge.close();
    },
  };
}

export interface RunningChatServer {
  chat: ChatServer;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Creates a chat server and listens on 127.0.0.1 (port 0 = ephemeral): demos, tests and benches. */
export async function startChatServer(opts: ChatServerOptions, port = 0): Promise<RunningChatServer> {
  const chat = createChatServer(opts);
  const server = await listen(chat.app, port);
  chat.attach(server.server);
  return {
    chat,
    url: server.url,
    port: server.port,
    close: async () => {
      await Promise.all([server.close(), chat.close()]);
    },
  };
}
