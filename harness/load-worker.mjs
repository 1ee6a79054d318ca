// Runs autocannon in its own process, so the load generator never shares the app's event loop (and
// autocannon runs as a main thread, which its result summary relies on).
import autocannon from 'autocannon';

process.once('message', async (opts) => {
  const result = await autocannon(opts);
  process.send(
    {
      requestsPerSec: result.requests.average,
      latency: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
      total: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      durationSec: result.duration,
    },
    () => process.exit(0),
  );
});
