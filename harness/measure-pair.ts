// Two operations timed alternately, call by call (a, b, a, b, …), so both see the same machine: on a
// shared box, load that comes and goes would otherwise favour whichever ran in the quieter moment and
// could flip a ratio. Each side's ops/s counts only its own calls over the shared wall time.
import { LatencyRecorder, type LatencyStats } from './latency';

export async function measurePair(
  a: (i: number) => Promise<unknown>,
  b: (i: number) => Promise<unknown>,
  iterations: number,
  warmup = 50,
): Promise<[LatencyStats, LatencyStats]> {
  for (let i = 0; i < warmup; i++) {
    await a(-i - 1);
    await b(-i - 1);
  }
  const ra = new LatencyRecorder();
  const rb = new LatencyRecorder();
  ra.start();
  rb.start();
  for (let i = 0; i < iterations; i++) {
    await ra.time(() => a(i));
    await rb.time(() => b(i));
  }
  ra.stop();
  rb.stop();
  return [ra.stats(), rb.stats()];
}
