// Runs autocannon in a worker thread, so the load generator never shares the app's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

const result = await autocannon({ ...workerData, setupClient: undefined });
parentPort.postMessage({
  requestsPerSec: result.requests.average,
  latency: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
  total: result.requests.total,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  durationSec: result.duration,
});
