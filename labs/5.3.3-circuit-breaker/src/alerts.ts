// Alerting: every transition is logged and, when a webhook is configured, POSTed as JSON. Only the
// instance that made a transition posts it (peers heard it over pub/sub), so one change = one alert.
import type { Logger } from 'pino';
import type { Transition } from './types';

export function logTransition(log: Logger | undefined, t: Transition): void {
  const line = { breaker: t.name, from: t.from, to: t.to, reason: t.reason, version: t.version, origin: t.origin, by: t.by };
  // Peers' transitions were already logged by the process that made them: keep them out of the way.
  if (t.origin === 'peer') log?.debug(line, `circuit ${t.name} ${t.to} (heard from ${t.by})`);
  else if (t.to === 'open') log?.warn(line, `circuit ${t.name} OPEN: ${t.reason}`);
  else log?.info(line, `circuit ${t.name} ${t.to}: ${t.reason}`);
}

/** POSTs the transition; a slow or failing receiver is logged, never thrown into the caller. */
export async function postWebhook(url: string, t: Transition, log?: Logger, timeoutMs = 2_000): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'circuit_breaker.transition', ...t }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) log?.warn({ url, status: res.status }, 'breaker webhook refused the alert');
    return res.ok;
  } catch (err) {
    log?.warn({ url, err: (err as Error).message }, 'breaker webhook unreachable');
    return false;
  }
}
