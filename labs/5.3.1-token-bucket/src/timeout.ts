// A timeout for every limiter call without a timer per request: calls in flight sit in a set, and
// one interval (running only while some are in flight) fails those past their deadline. A
// setTimeout + Promise.race per request was a fifth of the middleware's own CPU; this costs a set
// add and delete. A stalled call fails between `ms` and `ms + tick` after it started.

export class LimiterTimeout extends Error {}

interface InFlight {
  at: number;
  reject: (err: Error) => void;
}

export type Deadline = <T>(p: Promise<T>) => Promise<T>;

export function deadline(ms: number): Deadline {
  const inFlight = new Set<InFlight>();
  const tick = Math.max(1, Math.min(100, Math.ceil(ms / 4)));
  let timer: NodeJS.Timeout | undefined;

  const sweep = () => {
    const now = performance.now();
    for (const call of inFlight) {
      if (call.at > now) continue;
      inFlight.delete(call);
      call.reject(new LimiterTimeout(`rate limiter gave no answer within ${ms} ms`));
    }
    if (inFlight.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  return <T>(p: Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const call: InFlight = { at: performance.now() + ms, reject };
      inFlight.add(call);
      if (!timer) {
        timer = setInterval(sweep, tick);
        timer.unref(); // a call in flight keeps its own socket open; the sweep alone must not
      }
      p.then(
        (v) => inFlight.delete(call) && resolve(v),
        (err) => inFlight.delete(call) && reject(err),
      );
    });
}
