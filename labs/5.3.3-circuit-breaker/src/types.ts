// The shapes the shared breaker, its in-process twin and the admin API pass around.

export type BreakerState = 'closed' | 'open' | 'half-open';
/** allow: closed, call through · probe: one of the N half-open trial calls · reject: do not call. */
export type Decision = 'allow' | 'probe' | 'reject';
/** '' = automatic; 'open' / 'closed' = pinned by an operator until reset. */
export type Forced = '' | 'open' | 'closed';

export interface BreakerView {
  state: BreakerState;
  /** Bumped by every transition: a newer view always wins over an older one. */
  version: number;
  /** When an automatic open ends and half-open begins (ms; 0 when not open). */
  openUntil: number;
  forced: Forced;
  /** When the current state began (ms). */
  since: number;
  reason: string;
}

export interface Admission {
  decision: Decision;
  /** The version the decision was made in; a probe reports its outcome against it. */
  version: number;
}

export interface Transition {
  name: string;
  from: BreakerState;
  to: BreakerState;
  reason: string;
  version: number;
  /** When it happened (ms, the clock of whoever made it). */
  at: number;
  openUntil: number;
  forced: Forced;
  /** Instance id of the process that made the transition. */
  by: string;
  /** self: this instance made it · peer: heard over pub/sub · local: made in-process while Redis was down. */
  origin: 'self' | 'peer' | 'local';
}

/** The rules, the same for the Lua script and the in-process twin. */
export interface BreakerRules {
  /** One time bucket of the rolling window (ms). */
  bucketMs: number;
  /** How many buckets make the window (window = bucketMs × buckets). */
  buckets: number;
  /** Fewer calls than this in the window never open the breaker. */
  minVolume: number;
  /** Failure share (0..1) at or above which the breaker opens. */
  failureThreshold: number;
  /** How long it stays open before half-open (ms). */
  coolDownMs: number;
  /** Probe calls admitted in half-open, across all processes. */
  halfOpenProbes: number;
  /** Half-open probes that have not all reported after this long reopen the breaker (ms). */
  probeTimeoutMs: number;
}

export const CLOSED: BreakerView = { state: 'closed', version: 0, openUntil: 0, forced: '', since: 0, reason: '' };

/** True when a view refuses calls by itself, without asking anyone. */
export function refuses(view: BreakerView, now: number): boolean {
  return view.state === 'open' && (view.forced === 'open' || now < view.openUntil);
}
