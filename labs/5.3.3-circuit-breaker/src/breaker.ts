// The lesson: a circuit breaker whose state lives in Redis, so every process guarding the same
// downstream opens, probes and closes together. Four pieces: record an outcome and evaluate the
// transition in one script; admit calls (locally while the view is fresh, atomically in Lua when it is
// not, and always for half-open probes); hear other processes' transitions over pub/sub; and after a
// Redis outage, push what was learned locally and take Redis's state again.
import { broadcastView, CircuitBreakerBase, type Broadcast, type BreakerOptions } from './breaker-base';
import type { LocalBreaker } from './local-breaker';
import { refuses, type Admission } from './types';
import type { RedisClient } from '../../../shared/redis-client';

export type { BreakerOptions, BreakerStatus, Fallback, FallbackReason } from './breaker-base';
export { BreakerOpenError, breakerRedisOptions, CallTimeoutError } from './breaker-base';
export type { Admission, BreakerState, BreakerView, Transition } from './types';

export class RedisCircuitBreaker extends CircuitBreakerBase {
  /** record op: count the outcome in this second's bucket, sum the window, open at the threshold. */
  protected async recordShared(ok: boolean, probeVersion: number): Promise<void> {
    const reply = await this.run('record', ok ? 'ok' : 'fail', probeVersion);
    // Every reply carries the current state, so even an instance that missed a broadcast learns it here.
    this.applyReply(reply);
  }

  protected async admitShared(): Promise<Admission> {
    const now = this.now();
    // Fast paths, no round trip: a recent view that says closed lets the call through; one that says
    // open (and still cooling down) refuses it. That is what makes an open breaker cheap.
    if (this.viewIsFresh()) {
      if (this.view.state === 'closed') return { decision: 'allow', version: this.view.version };
      if (refuses(this.view, now)) return { decision: 'reject', version: this.view.version };
    }
    // Stale view, cool-down over, or half-open: only the script may decide (it moves open → half-open
    // and hands out the N probe slots atomically).
    const reply = await this.run('admit');
    this.applyReply(reply);
    return { decision: reply.decision || 'reject', version: reply.view.version };
  }

  protected async startSync(subscriber: RedisClient): Promise<void> {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.keyNames.channel) return;
      const b = JSON.parse(message) as Broadcast;
      // Our own transitions were announced when the script replied; peers' are applied if newer.
      if (b.by === this.id) return;
      if (this.adopt(broadcastView(b))) this.announce(b.from, broadcastView(b), 'peer', b.by);
    });
    await subscriber.subscribe(this.keyNames.channel);
  }

  protected async resync(local: LocalBreaker): Promise<void> {
    const learned = local.view;
    // An outage seen while Redis was away is news the others need: open the shared breaker too
    // (a no-op if it is already open or an operator pinned it).
    if (learned.state === 'open' && learned.forced === '') {
      this.applyReply(await this.run('trip', `${learned.reason}; pushed on resync after a Redis outage`, learned.openUntil));
    }
    // Then Redis is the truth again. Force it: a restarted, empty Redis starts over at version 0.
    const { view } = await this.run('read');
    this.adopt(view, true);
  }
}

/** Builds a breaker and starts it (subscribe, first read). */
export async function createBreaker(opts: BreakerOptions): Promise<RedisCircuitBreaker> {
  return new RedisCircuitBreaker(opts).start();
}
