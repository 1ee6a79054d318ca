// A small chat client over `ws`, used by the terminal client, the demo, the tests and the bench:
// log in over HTTP, connect with the token, send frames, and wait for the frames you expect.
import { WebSocket } from 'ws';
import { AppError } from '../../../shared/errors';
import type { ChatMessage, ClientFrame, ServerFrame } from './protocol';

type FrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;

/** POSTs JSON to the chat server; a 4xx becomes an AppError carrying the server's code and message. */
async function postJson<T>(baseUrl: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(new URL(path, baseUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json().catch(() => ({}))) as T & { error?: { code: string; message: string } };
  if (!res.ok) throw new AppError(res.status, json.error?.code ?? 'http_error', json.error?.message ?? `HTTP ${res.status}`);
  return json;
}

/** An error frame the server sent while we waited for something else. */
export class ErrorFrame extends AppError {
  constructor(code: string, message: string) {
    super(400, code, `server error frame ${code}: ${message}`);
  }
}

export const register = (baseUrl: string, user: string, password: string) => postJson<{ user: string }>(baseUrl, '/register', { user, password });
export const login = (baseUrl: string, user: string, password: string) => postJson<{ token: string; user: string }>(baseUrl, '/login', { user, password });

/** Logs in, registering the account first when it does not exist yet. */
export async function loginOrRegister(baseUrl: string, user: string, password: string): Promise<string> {
  try {
    return (await login(baseUrl, user, password)).token;
  } catch (err) {
    if (!(err instanceof AppError) || err.status !== 401) throw err;
    try {
      await register(baseUrl, user, password);
    } catch (e) {
      // The name exists, so the password was wrong: say so plainly.
      if (e instanceof AppError && e.status === 409) throw err;
      throw e;
    }
    return (await login(baseUrl, user, password)).token;
  }
}

export interface ChatClientOptions {
  /** Keep unclaimed frames for next() (default true); a bench listener turns it off. */
  queue?: boolean;
}

interface Waiter {
  match: (f: ServerFrame) => boolean;
  wantsError: boolean;
  resolve: (f: ServerFrame) => void;
  reject: (e: Error) => void;
}

export class ChatClient {
  readonly ws: WebSocket;
  /** Filled by the server's welcome frame. */
  user = '';
  heartbeatMs = 10_000;
  private readonly queued: ServerFrame[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly listeners = new Set<(f: ServerFrame) => void>();
  private heartbeat?: NodeJS.Timeout;

  private constructor(ws: WebSocket, private readonly keep: boolean) {
    this.ws = ws;
    ws.on('message', (data) => this.dispatch(JSON.parse(data.toString()) as ServerFrame));
    ws.on('error', () => {}); // a failed connect rejects connect(); later, 'close' follows
    ws.on('close', () => {
      for (const w of this.waiters.splice(0)) w.reject(new Error('the connection closed'));
    });
  }

  /** Connects with a session token and resolves on the server's welcome frame. */
  static async connect(baseUrl: string, token: string, opts: ChatClientOptions = {}): Promise<ChatClient> {
    const url = new URL('/ws', baseUrl.replace(/^http/, 'ws'));
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    const client = new ChatClient(ws, opts.queue ?? true);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          const message = (JSON.parse(body || '{}') as { error?: { message?: string } }).error?.message ?? `HTTP ${res.statusCode}`;
          reject(new AppError(res.statusCode ?? 400, res.statusCode === 401 ? 'unauthorized' : 'refused', message));
        });
      });
    });
    const welcome = await client.next('welcome');
    client.user = welcome.user;
    client.heartbeatMs = welcome.heartbeatMs;
    return client;
  }

  private dispatch(frame: ServerFrame) {
    for (const l of this.listeners) l(frame);
    const i = this.waiters.findIndex((w) => w.match(frame) || (frame.type === 'error' && !w.wantsError));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      if (w!.match(frame)) w!.resolve(frame);
      else w!.reject(new ErrorFrame((frame as FrameOf<'error'>).code, (frame as FrameOf<'error'>).message));
      return;
    }
    if (this.keep || frame.type === 'welcome') this.queued.push(frame);
  }

  /** Every frame as it arrives (in addition to next()). */
  onFrame(listener: (f: ServerFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The next frame of `type` (and matching `where`), taken from what already arrived or waiting for it.
   * An error frame that arrives first rejects the wait, unless you are waiting for an error.
   */
  next<T extends ServerFrame['type']>(type: T, where: (f: FrameOf<T>) => boolean = () => true, timeoutMs = 5000): Promise<FrameOf<T>> {
    const match = (f: ServerFrame) => f.type === type && where(f as FrameOf<T>);
    const wantsError = type === 'error';
    for (let i = 0; i < this.queued.length; i++) {
      const f = this.queued[i]!;
      if (match(f) || (f.type === 'error' && !wantsError)) {
        this.queued.splice(i, 1);
        if (match(f)) return Promise.resolve(f as FrameOf<T>);
        return Promise.reject(new ErrorFrame((f as FrameOf<'error'>).code, (f as FrameOf<'error'>).message));
      }
    }
    return new Promise<FrameOf<T>>((resolve, reject) => {
      const waiter: Waiter = { match, wantsError, resolve: (f) => (clearTimeout(timer), resolve(f as FrameOf<T>)), reject: (e) => (clearTimeout(timer), reject(e)) };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`timed out waiting for a "${type}" frame`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Sends a frame; a string goes out exactly as given (to test what the server does with bad input). */
  send(frame: ClientFrame | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async join(room: string): Promise<FrameOf<'joined'>> {
    this.send({ type: 'join', room });
    return this.next('joined', (f) => f.room === room);
  }

  say(room: string, text: string): void {
    this.send({ type: 'message', room, text });
  }

  /** Waits until a message from `user` with `text` arrives in `room`. */
  heard(room: string, user: string, text: string, timeoutMs?: number): Promise<ChatMessage> {
    return this.next('message', (m) => m.room === room && m.user === user && m.text === text, timeoutMs);
  }

  async who(room: string): Promise<string[]> {
    this.send({ type: 'who', room });
    return (await this.next('presence', (f) => f.room === room)).online;
  }

  /** Sends a heartbeat every `heartbeatMs` (what a real client does) until stopHeartbeats() or close(). */
  startHeartbeats(): void {
    this.stopHeartbeats();
    this.heartbeat = setInterval(() => this.ws.readyState === WebSocket.OPEN && this.send({ type: 'heartbeat' }), this.heartbeatMs);
    this.heartbeat.unref();
  }

  stopHeartbeats(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  async close(): Promise<void> {
    this.stopHeartbeats();
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
