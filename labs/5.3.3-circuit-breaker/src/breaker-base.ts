// Everything around the shared breaker's four lesson methods (in breaker.ts): options, keys, the one
// Lua script's caller and reply parsing, the local view, call() with timeout and fallback, the switch
// to in-process counters while Redis is down, admin operations, and alerting.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../../../shared/errors';
import type { KeyBuilder } from '../../../shared/keys';
import { luaCommand, type LuaCommand } from '../../../shared/lua';
import { RedisUnavailableError, servingRedisOptions, type RedisClient } from '../../../shared/redis-client';
import { logTransition, postWebhook } from './alerts';
import { LocalBreaker, type LocalTransition } from './local-breaker';
import { CLOSED, type Admission, type BreakerRules, type BreakerState, type BreakerView, type Decision, type Forced, type Transition } from './types';

/**
 * Options for the breaker's own Redis connection: the shared serving options (no offline queue,
 * bounded reconnect) with a shorter command timeout, so a stalled Redis costs a call at most 250 ms
 * before the breaker switches to its in-process twin. Build it with createServingRedis(url, these).
 */
export const breakerRedisOptions: RedisOptions = servingRedisOptions({ commandTimeout: 250 });

export interface BreakerOptions extends Partial<BreakerRules> {
  /** The downstream this breaker guards, e.g. `payments`; every process using the name shares one state. */
  name: string;
  /** Commands (use breakerRedisOptions). */
  redis: RedisClient;
  keys: KeyBuilder;
  /** A second connection for pub/sub; without it the instance learns changes only by reading Redis. */
  subscriber?: RedisClient;
  /** This process's clock (ms): the local view's freshness, and the in-process twin. Default Date.now. */
  now?: () => number;
  /**
   * Whose clock breaker.lua decides with. 'redis' (the default without an injected `now`): the server's
   * TIME, one clock for every process, so a skewed host cannot move windows or cool-downs. 'caller':
   * this process's `now()` (the default when one is injected: deterministic tests and demos).
   */
  scriptClock?: 'redis' | 'caller';
  /** How long the local view may answer without Redis (ms): 0 = read Redis before every call. */
  localViewTtlMs?: number;
  /** A call slower than this counts as a failure (ms; 0 = no timeout). */
  callTimeoutMs?: number;
  log?: Logger;
  /** POST every transition this instance makes to this URL. */
  webhookUrl?: string;
  /** Instance id in broadcasts and alerts (default random). */
  id?: string;
}

export type FallbackReason = 'open' | 'failure';
export type Fallback<T> = (info: { reason: FallbackReason; error: unknown; breaker: string }) => T | Promise<T>;

/** Thrown by call() when the breaker refuses and there is no fallback. */
export class BreakerOpenError extends AppError {
  constructor(name: string, reason: string) {
    super(503, 'circuit_open', `circuit ${name} is open: ${reason}`);
  }
}

/** An admin action while Redis is unreachable: 503 with Retry-After (it must reach every process). */
export class AdminUnavailableError extends RedisUnavailableError {
  override readonly code = 'redis_unavailable';
  constructor(name: string) {
    super(`cannot change breaker ${name} while Redis is unreachable`);
  }
}

export class CallTimeoutError extends Error {
  constructor(ms: number) {
    super(`call took longer than ${ms} ms`);
  }
}

export interface BreakerStatus extends BreakerView {
  name: string;
  mode: 'redis' | 'local';
  window: { calls: number; failures: number };
}

/** The parsed reply of breaker.lua. */
export interface ScriptReply {
  decision: Decision | '';
  view: BreakerView;
  /** The state before the transition this call made; undefined when nothing changed. */
  from?: BreakerState;
  /** The clock the script decided with (ms). */
  now: number;
}

type RawReply = [string, string, number, number, string, number, string, string, number];

export type ScriptOp = 'read' | 'admit' | 'record' | 'trip' | 'force-open' | 'force-close' | 'reset';

const DEFAULT_RULES: BreakerRules = {
  bucketMs: 1_000,
  buckets: 10,
  minVolume: 10,
  failureThreshold: 0.5,
  coolDownMs: 5_000,
  halfOpenProbes: 3,
  probeTimeoutMs: 10_000,
};

export abstract class CircuitBreakerBase extends EventEmitter {
  readonly name: string;
  readonly id: string;
  readonly rules: BreakerRules;
  protected readonly redis: RedisClient;
  protected readonly subscriber?: RedisClient;
  protected readonly now: () => number;
  protected readonly localViewTtlMs: number;
  protected readonly log?: Logger;
  /** What this process believes the shared state is, and when (its clock) it last heard it. */
  protected view: BreakerView = { ...CLOSED };
  protected viewReadAt = Number.NEGATIVE_INFINITY;
  /** Set while Redis is unreachable: the in-process twin that keeps the breaker working. */
  protected local?: LocalBreaker;
  private readonly script: LuaCommand<RawReply>;
  private readonly callTimeoutMs: number;
  private readonly webhookUrl?: string;
  private readonly onReady = () => void this.backOnline();
  private resyncing?: Promise<void>;
  private readonly scriptClock: 'redis' | 'caller';
  /** Redis TIME minus this host's wall clock, from the last reply (redis script clock only). */
  private redisOffsetMs?: number;
  /** While on the in-process twin: retries the shared state, since a stall ends without a 'ready' event. */
  private recoverTimer?: NodeJS.Timeout;

  constructor(opts: BreakerOptions) {
    super();
    this.name = opts.name;
    this.id = opts.id ?? randomBytes(4).toString('hex');
    this.rules = { ...DEFAULT_RULES, ...definedOnly(opts) };
    this.redis = opts.redis;
    this.subscriber = opts.subscriber;
    this.now = opts.now ?? Date.now;
    this.scriptClock = opts.scriptClock ?? (opts.now ? 'caller' : 'redis');
    this.localViewTtlMs = opts.localViewTtlMs ?? 1_000;
    this.callTimeoutMs = opts.callTimeoutMs ?? 0;
    this.log = opts.log?.child({ breaker: opts.name, instance: this.id });
    this.webhookUrl = opts.webhookUrl;
    this.keyNames = {
      state: opts.keys.tagged('breaker', opts.name),
      window: opts.keys.tagged('breaker', opts.name, 'window'),
      channel: opts.keys.tagged('breaker', opts.name, 'events'),
    };
    this.script = luaCommand<RawReply>(opts.redis, 'cbBreaker', new URL('./breaker.lua', import.meta.url), 2);
  }

  /** The state hash, the window hash and the pub/sub channel; one {hash tag} for the two keys. */
  readonly keyNames: { state: string; window: string; channel: string };

  // ---- the lesson (breaker.ts) -------------------------------------------------------------------

  /** Exercise 1: report one outcome to Redis (record op) and apply what the script decided. */
  protected abstract recordShared(ok: boolean, probeVersion: number): Promise<void>;
  /** Exercise 2: may this call go through? The local view when fresh, else the admit op. */
  protected abstract admitShared(): Promise<Admission>;
  /** Exercise 3: subscribe to the breaker's channel and apply transitions other instances make. */
  protected abstract startSync(subscriber: RedisClient): Promise<void>;
  /** Exercise 4: Redis is back after an outage: push what was learned locally, then adopt Redis. */
  protected abstract resync(local: LocalBreaker): Promise<void>;

  // ---- building blocks for the lesson ------------------------------------------------------------

  /** Runs one op of breaker.lua with this breaker's keys, clock and rules. */
  protected async run(op: ScriptOp, text = '', num = 0): Promise<ScriptReply> {
    const r = this.rules;
    const raw = await this.script(
      [this.keyNames.state, this.keyNames.window],
      // An empty `now` makes the script read Redis TIME.
      [op, this.scriptClock === 'caller' ? Math.round(this.now()) : '', this.name, this.keyNames.channel, this.id, r.bucketMs, r.buckets, r.minVolume, r.failureThreshold, r.coolDownMs, r.halfOpenProbes, r.probeTimeoutMs, text, num, this.deadline()],
    );
    const reply = parseReply(raw);
    if (this.scriptClock === 'redis') this.redisOffsetMs = reply.now - Date.now();
    return reply;
  }

  /**
   * When, on Redis's clock, this call stops mattering: the command timeout after sending (+100 ms for
   * the offset's error, at most half a round trip). '' when unknown (no reply yet, caller clock, no timeout).
   */
  private deadline(): number | '' {
    // A Cluster keeps its per-node options (the command timeout) under redisOptions.
    const o = this.redis.options as { commandTimeout?: number; redisOptions?: { commandTimeout?: number } } | undefined;
    const timeout = o?.commandTimeout ?? o?.redisOptions?.commandTimeout;
    if (this.scriptClock !== 'redis' || !timeout || this.redisOffsetMs === undefined) return '';
    return Math.round(Date.now() + this.redisOffsetMs + timeout + 100);
  }

  /** Takes a view unless it is older than the one we hold; true when it was newer. */
  protected adopt(view: BreakerView, force = false): boolean {
    this.viewReadAt = this.now();
    if (!force && view.version < this.view.version) return false;
    const newer = view.version > this.view.version;
    this.view = { ...view };
    return newer || force;
  }

  /** Is the local view recent enough to decide without Redis? */
  protected viewIsFresh(): boolean {
    return this.now() - this.viewReadAt < this.localViewTtlMs;
  }

  /** Logs, emits 'transition' and (for transitions this process made) posts the webhook. */
  protected announce(from: BreakerState, view: BreakerView, origin: Transition['origin'], by = this.id): Transition {
    const t: Transition = { name: this.name, from, to: view.state, reason: view.reason, version: view.version, at: view.since, openUntil: view.openUntil, forced: view.forced, by, origin };
    logTransition(this.log, t);
    this.emit('transition', t);
    if (this.webhookUrl && origin !== 'peer') {
      void postWebhook(this.webhookUrl, t, this.log).then((ok) => this.emit('webhook', { transition: t, ok }));
    }
    return t;
  }

  /** Adopts a script reply and announces the transition it made, if any. */
  protected applyReply(reply: ScriptReply): void {
    this.adopt(reply.view);
    if (reply.from) this.announce(reply.from, reply.view, 'self');
  }

  // ---- public API --------------------------------------------------------------------------------

  /** Subscribes (if a subscriber was given), reads the current state, and watches for Redis returning. */
  async start(connectTimeoutMs = 2_000): Promise<this> {
    // Without an offline queue, commands sent before the connection is up fail; wait for it a moment.
    // If Redis does not come, the breaker starts on local state and resyncs when it does.
    await Promise.all([whenReady(this.redis, connectTimeoutMs), this.subscriber && whenReady(this.subscriber, connectTimeoutMs)]);
    this.redis.on('ready', this.onReady);
    if (this.subscriber) await this.subscribeWithin(this.subscriber, connectTimeoutMs);
    await this.guard(async () => void this.adopt((await this.run('read')).view), () => undefined);
    return this;
  }

  /**
   * Subscribes, waiting at most `ms`: waiting longer would hang the breaker exactly when it must work
   * alone. A subscriber that is not connected cannot subscribe yet (a serving client queues nothing);
   * one that says "ready" may be talking to a server that froze or just died. Either way the breaker
   * starts on what it has and subscribes once the subscriber connects (after that, ioredis resubscribes
   * by itself on every reconnect).
   */
  private async subscribeWithin(subscriber: RedisClient, ms: number): Promise<void> {
    const sync = this.startSync(subscriber);
    if (subscriber.status === 'ready') {
      try {
        return await withTimeout(sync, ms);
      } catch (err) {
        if (!(err instanceof CallTimeoutError) && !isConnectionFailure(err, subscriber)) throw err;
      }
    }
    sync.catch((err: unknown) => this.failedInBackground('subscribe', err));
    subscriber.once('ready', () => void subscriber.subscribe(this.keyNames.channel).catch((err: unknown) => this.failedInBackground('subscribe', err)));
  }

  async close(): Promise<void> {
    this.stopRecovering();
    this.redis.off('ready', this.onReady);
    if (this.subscriber && this.subscriber.status === 'ready') await this.subscriber.unsubscribe(this.keyNames.channel).catch(() => {});
    this.removeAllListeners();
  }

  /** 'redis' normally; 'local' while Redis is unreachable. */
  get mode(): 'redis' | 'local' {
    return this.local ? 'local' : 'redis';
  }

  /** This process's view of the state (no Redis call). */
  get current(): BreakerView {
    return { ...(this.local?.view ?? this.view) };
  }

  /** May a call go through now? Use with report() when you cannot wrap the call in call(). */
  async acquire(): Promise<Admission> {
    return this.guard(
      () => this.admitShared(),
      (local) => {
        const { admission, moved } = local.admit(this.now());
        if (moved) this.announceLocal(moved);
        return admission;
      },
    );
  }

  /** Reports the outcome of a call admitted by acquire(). */
  async report(ok: boolean, admission: Admission = { decision: 'allow', version: 0 }): Promise<void> {
    const probeVersion = admission.decision === 'probe' ? admission.version : 0;
    await this.guard(
      () => this.recordShared(ok, probeVersion),
      (local) => {
        const moved = local.record(ok, probeVersion, this.now());
        if (moved) this.announceLocal(moved);
      },
    );
  }

  /**
   * Runs fn through the breaker. Refused (open) or failed calls return the fallback when there is one,
   * else throw BreakerOpenError / the call's own error.
   */
  async call<T>(fn: () => Promise<T>, fallback?: Fallback<T>): Promise<T> {
    const admission = await this.acquire();
    if (admission.decision === 'reject') {
      const error = new BreakerOpenError(this.name, this.current.reason);
      if (!fallback) throw error;
      return fallback({ reason: 'open', error, breaker: this.name });
    }
    let result: T;
    try {
      result = await withTimeout(fn(), this.callTimeoutMs);
    } catch (error) {
      await this.report(false, admission);
      if (!fallback) throw error;
      return fallback({ reason: 'failure', error, breaker: this.name });
    }
    await this.report(true, admission);
    return result;
  }

  /** Opens now for one cool-down, then half-open as usual (e.g. a health check failed). */
  trip(reason = 'tripped by hand'): Promise<BreakerView> {
    return this.admin('trip', reason);
  }
  /** Pins the breaker open until reset: every process refuses. */
  forceOpen(reason = 'forced open by an operator'): Promise<BreakerView> {
    return this.admin('force-open', reason);
  }
  /** Pins it closed until reset: failures are counted but never open it. */
  forceClose(reason = 'forced closed by an operator'): Promise<BreakerView> {
    return this.admin('force-close', reason);
  }
  /** Back to automatic and closed, with an empty window. */
  reset(reason = 'reset by an operator'): Promise<BreakerView> {
    return this.admin('reset', reason);
  }

  /** The shared state as Redis has it, plus the calls in the current window (local while Redis is down). */
  async status(): Promise<BreakerStatus> {
    return this.guard(
      async () => {
        const [reply, fields] = await Promise.all([this.run('read'), this.redis.hgetall(this.keyNames.window)]);
        this.adopt(reply.view);
        return { name: this.name, mode: this.mode, ...reply.view, window: windowCounts(fields, Math.floor(reply.now / this.rules.bucketMs), this.rules.buckets) };
      },
      (local) => ({ name: this.name, mode: this.mode, ...local.view, window: local.counts(this.now()) }),
    );
  }

  // ---- Redis down: local twin and resync ---------------------------------------------------------

  private async admin(op: 'trip' | 'force-open' | 'force-close' | 'reset', reason: string): Promise<BreakerView> {
    // An operator's decision must reach every process, so it needs Redis: refuse rather than act alone.
    const reply = await this.run(op, reason).catch((err: unknown) => {
      throw isConnectionFailure(err, this.redis) ? new AdminUnavailableError(this.name) : err;
    });
    this.applyReply(reply);
    // Redis answered, so the shared state is back: an operator's decision must take effect on calls
    // now, not when the in-process twin next resyncs (whose stale news must not override it either).
    if (this.local) this.leaveLocal('an admin action reached Redis');
    return reply.view;
  }

  /** Runs a shared operation; on a connection failure switches to the in-process twin and runs that. */
  private async guard<T>(shared: () => Promise<T>, local: (l: LocalBreaker) => T): Promise<T> {
    if (this.local) return local(this.local);
    try {
      // A connection known to be down would refuse the command anyway: do not even try.
      if (this.redis.status !== 'ready') throw new Error(`Connection is closed (${this.redis.status})`);
      return await shared();
    } catch (err) {
      if (!isConnectionFailure(err, this.redis)) throw err;
      if (!this.local) {
        this.local = new LocalBreaker(this.view, this.rules);
        this.log?.warn({ err: (err as Error).message }, `Redis unreachable: breaker ${this.name} continues on in-process counters`);
        this.emit('mode', 'local');
        // A stall (Redis frozen, CLIENT PAUSE) ends without a reconnect, so no 'ready' event will say
        // so: retry the shared state a few times a second while the connection is up.
        this.recoverTimer = setInterval(() => {
          if (this.redis.status === 'ready') void this.backOnline();
        }, 250);
        this.recoverTimer.unref();
      }
      return local(this.local);
    }
  }

  /** A failure nobody awaits: Redis still away is expected (debug); anything else is a warning and 'error'. */
  private failedInBackground(what: 'resync' | 'subscribe', err: unknown): void {
    if (isConnectionFailure(err, this.redis)) {
      this.log?.debug({ err: (err as Error).message }, `${what} failed; staying on local state`);
      return;
    }
    this.log?.warn({ err: (err as Error).message }, `${what} failed; staying on local state`);
    if (this.listenerCount('error')) this.emit('error', err);
  }

  private stopRecovering(): void {
    clearInterval(this.recoverTimer);
    this.recoverTimer = undefined;
  }

  private leaveLocal(why: string): void {
    this.local = undefined;
    this.stopRecovering();
    this.log?.info({ state: this.view.state }, `Redis is back: breaker ${this.name} resynced (${why})`);
    this.emit('mode', 'redis');
  }

  private announceLocal(moved: LocalTransition): void {
    this.announce(moved.from, moved.view, 'local');
  }

  private backOnline(): Promise<void> {
    const local = this.local;
    if (!local) return Promise.resolve();
    this.resyncing ??= this.resync(local)
      .then(() => {
        if (this.local === local) this.leaveLocal('resync');
      })
      .catch((err: unknown) => this.failedInBackground('resync', err))
      .finally(() => {
        this.resyncing = undefined;
      });
    return this.resyncing;
  }
}

export function parseReply(raw: RawReply): ScriptReply {
  const [decision, state, version, openUntil, forced, since, reason, from, now] = raw;
  return {
    now: Number(now),
    decision: decision as Decision | '',
    view: { state: state as BreakerState, version: Number(version), openUntil: Number(openUntil), forced: forced as Forced, since: Number(since), reason },
    from: from ? (from as BreakerState) : undefined,
  };
}

/** A broadcast from breaker.lua: a transition as the script published it (no origin yet). */
export type Broadcast = Omit<Transition, 'origin'>;

export function broadcastView(b: Broadcast): BreakerView {
  return { state: b.to, version: b.version, openUntil: b.openUntil, forced: b.forced, since: b.at, reason: b.reason };
}

/** Sums the window hash's `<bucket>:ok|fail` fields that are still inside the window. */
function windowCounts(fields: Record<string, string>, bucket: number, buckets: number): { calls: number; failures: number } {
  let calls = 0;
  let failures = 0;
  for (const [field, n] of Object.entries(fields)) {
    const [b, kind] = field.split(':');
    if (Number(b) <= bucket - buckets) continue;
    calls += Number(n);
    if (kind !== 'ok') failures += Number(n);
  }
  return { calls, failures };
}

/** ioredis refused or lost the command (server down, offline queue disabled, command timeout). */
function isConnectionFailure(err: unknown, redis: RedisClient): boolean {
  if (err instanceof AppError) return false;
  const msg = (err as Error)?.message ?? '';
  // "max retries per request": a command queued while Redis was away (a subscriber's SUBSCRIBE) that
  // outlived its retries: the outage, not a bug.
  return redis.status !== 'ready' || /timed out|Connection is closed|isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE|max retries per request/i.test(msg);
}

function whenReady(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  if (!ms) return p;
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new CallTimeoutError(ms)), ms)))]).finally(() => clearTimeout(timer));
}

function definedOnly(opts: Partial<BreakerRules>): Partial<BreakerRules> {
  const keys: Array<keyof BreakerRules> = ['bucketMs', 'buckets', 'minVolume', 'failureThreshold', 'coolDownMs', 'halfOpenProbes', 'probeTimeoutMs'];
  return Object.fromEntries(keys.filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]]));
}
