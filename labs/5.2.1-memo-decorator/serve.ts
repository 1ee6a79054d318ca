// `npm run lab 5.2.1 -- serve [--latency 200] [--failure-rate 0]`: the slow weather API on its own.
// The demo reads the same flags, so both parse them here.
import { parseArgs } from 'node:util';
import type { LabContext } from '../../harness/context';
import { UsageError } from '../../harness/usage-error';
import { createWeatherService } from './src/weather-service';

export function serviceOptions(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: { latency: { type: 'string', default: '200' }, 'failure-rate': { type: 'string', default: '0' } }, strict: false });
  const latencyMs = Number(values.latency);
  const failureRate = Number(values['failure-rate']);
  if (!Number.isInteger(latencyMs) || latencyMs < 0) throw new UsageError(`--latency must be a whole number of ms, got ${values.latency}`);
  if (!(failureRate >= 0 && failureRate <= 1)) throw new UsageError(`--failure-rate must be between 0 and 1, got ${values['failure-rate']}`);
  return { latencyMs, failureRate };
}

export async function serveWeather(_ctx: LabContext, argv: string[]) {
  return createWeatherService(serviceOptions(argv)).app;
}
