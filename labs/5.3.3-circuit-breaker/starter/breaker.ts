// Starter for lab 5.3.3: the shared breaker's four lesson methods, left for you. The script
// (breaker.lua beside this file: finish its admit and record ops), its caller this.run(op, text, num), the local view, call(), fallbacks,
// the switch to in-process counters and alerting are in src/breaker-base.ts.
// Grade your progress with: npm run grade 5.3.3 -- --impl starter
import { NotImplementedError } from '../../../shared/errors';
import { CircuitBreakerBase, type BreakerOptions } from '../src/breaker-base';
import type { LocalBreaker } from '../src/local-breaker';
import type { Admission } from '../src/types';
import type { RedisClient } from '../../../shared/redis-client';

export type { BreakerOptions, BreakerStatus, Fallback, FallbackReason } from '../src/breaker-base';
export { BreakerOpenError, breakerRedisOptions, CallTimeoutError } from '../src/breaker-base';
export type { Admission, BreakerState, BreakerView, Transition } from '../src/types';

export class RedisCircuitBreaker extends CircuitBreakerBase {
  /**
   * Exercise 1. Run the script's record op — this.run('record', ok ? 'ok' : 'fail', probeVersion) — and
   * hand its reply to this.applyReply(reply) (adopts the state it carries, announces a transition).
   */
  protected async recordShared(_ok: boolean, _probeVersion: number): Promise<void> {
    throw new NotImplementedError('exercise 1: recordShared — record the outcome with breaker.lua (record op)');
  }

  /**
   * Exercise 2. If this.viewIsFresh(): a closed this.view allows, and refuses(this.view, this.now())
   * rejects — both without Redis. Otherwise this.run('admit'), this.applyReply(reply), and return
   * { decision: reply.decision || 'reject', version: reply.view.version }.
   */
  protected async admitShared(): Promise<Admission> {
    throw new NotImplementedError('exercise 2: admitShared — fresh local view, else the admit op (atomic probes)');
  }

  /**
   * Exercise 3. On subscriber 'message' for this.keyNames.channel: JSON.parse it (a Broadcast); skip
   * your own (b.by === this.id); if this.adopt(broadcastView(b)) then this.announce(b.from, view,
   * 'peer', b.by). Then subscribe to the channel.
   */
  protected async startSync(_subscriber: RedisClient): Promise<void> {
    throw new NotImplementedError('exercise 3: startSync — apply other instances\' transitions from pub/sub');
  }

  /**
   * Exercise 4. If local.view is open and not forced, push it: this.applyReply(await this.run('trip',
   * reason, local.view.openUntil)). Then adopt this.run('read') with force = true (a restarted Redis
   * counts versions from 0 again).
   */
  protected async resync(_local: LocalBreaker): Promise<void> {
    throw new NotImplementedError('exercise 4: resync — push the locally opened state, then adopt Redis');
  }
}

/** Builds a breaker and starts it (subscribe, first read). */
export async function createBreaker(opts: BreakerOptions): Promise<RedisCircuitBreaker> {
  return new RedisCircuitBreaker(opts).start();
}
