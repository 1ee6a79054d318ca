// The breaker's in-process twin, used only while Redis is unreachable: the same rules as breaker.lua,
// on counters in this process. It starts from the last shared view, so an open breaker stays open, and
// it is thrown away when Redis returns (resync pushes what it learned, then Redis is the truth again).
import type { Admission, BreakerRules, BreakerState, BreakerView, Forced } from './types';

export interface LocalTransition {
  from: BreakerState;
  view: BreakerView;
}

export class LocalBreaker {
  view: BreakerView;
  /** bucket number → [ok, fail] */
  private readonly window = new Map<number, [number, number]>();
  private admitted = 0;
  private probeOk = 0;

  constructor(
    start: BreakerView,
    private readonly rules: BreakerRules,
  ) {
    this.view = { ...start };
  }

  admit(now: number): { admission: Admission; moved?: LocalTransition } {
    const v = this.view;
    let moved: LocalTransition | undefined;
    if (v.state === 'open' && v.forced === '' && now >= v.openUntil) {
      moved = this.move('half-open', `cool-down of ${this.rules.coolDownMs} ms elapsed (local)`, 0, now);
    }
    let decision: Admission['decision'] = 'reject';
    if (this.view.state === 'closed') decision = 'allow';
    else if (this.view.state === 'half-open' && this.admitted < this.rules.halfOpenProbes) {
      this.admitted++;
      decision = 'probe';
    } else if (this.view.state === 'half-open' && now - this.view.since >= this.rules.probeTimeoutMs) {
      // As in breaker.lua: probes that never report (a call hanging while Redis is down) must not keep
      // the breaker half-open for good. Reopen; a cool-down later, new probes get their turn.
      moved = this.move('open', `probes did not report within ${this.rules.probeTimeoutMs} ms (local)`, now + this.rules.coolDownMs, now);
    }
    return { admission: { decision, version: this.view.version }, moved };
  }

  record(ok: boolean, probeVersion: number, now: number): LocalTransition | undefined {
    const v = this.view;
    const r = this.rules;
    if (v.state === 'half-open') {
      if (probeVersion !== v.version) return undefined;
      if (!ok) return this.move('open', 'a half-open probe failed (local)', now + r.coolDownMs, now);
      if (++this.probeOk >= r.halfOpenProbes) return this.move('closed', `${r.halfOpenProbes} half-open probes succeeded (local)`, 0, now);
      return undefined;
    }
    if (v.state !== 'closed') return undefined;
    const bucket = Math.floor(now / r.bucketMs);
    const counts = this.window.get(bucket) ?? [0, 0];
    counts[ok ? 0 : 1]++;
    this.window.set(bucket, counts);
    for (const b of this.window.keys()) if (b <= bucket - r.buckets) this.window.delete(b);
    const { calls: total, failures } = this.counts(now);
    if (v.forced === '' && total >= r.minVolume && failures >= r.failureThreshold * total) {
      const pct = (x: number) => Math.round(x * 100);
      return this.move('open', `failure rate ${pct(failures / total)}% (${failures} of ${total} calls) reached ${pct(r.failureThreshold)}% (local)`, now + r.coolDownMs, now);
    }
    return undefined;
  }

  /** Calls and failures in the window ending at `now`. */
  counts(now: number): { calls: number; failures: number } {
    const bucket = Math.floor(now / this.rules.bucketMs);
    let calls = 0;
    let failures = 0;
    for (const [b, [okN, failN]] of this.window) {
      if (b <= bucket - this.rules.buckets) continue;
      calls += okN + failN;
      failures += failN;
    }
    return { calls, failures };
  }

  private move(to: BreakerState, reason: string, openUntil: number, now: number, forced: Forced = ''): LocalTransition {
    const from = this.view.state;
    this.view = { state: to, version: this.view.version + 1, openUntil, forced, since: now, reason };
    this.window.clear();
    this.admitted = 0;
    this.probeOk = 0;
    return { from, view: this.view };
  }
}
