// The "remote" weather API the memoizer protects: a small express service on loopback with a
// configurable latency, failure rate and a call counter, so the demo, tests and bench can see exactly
// how many requests reached it.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { createApp, finishApp, valid, validate } from '../../../shared/http';

export interface WeatherServiceOptions {
  /** Delay before every answer, in ms (default 200: a typical third-party API). */
  latencyMs?: number;
  /** Share of requests answered 503 (0..1, default 0). */
  failureRate?: number;
  /** Random source for failures (tests inject one). */
  random?: () => number;
}

export const forecastQuery = z.object({
  city: z.string().trim().min(1).max(80),
  days: z.coerce.number().int().min(1).max(14).default(3),
  units: z.enum(['metric', 'imperial']).default('metric'),
});
export type ForecastQuery = z.input<typeof forecastQuery>;

export interface Forecast {
  city: string;
  units: 'metric' | 'imperial';
  days: Array<{ day: number; high: number; low: number; summary: string }>;
  /** Which upstream call produced this answer (1, 2, …): a cached answer keeps its number. */
  call: number;
}

const SUMMARIES = ['sunny', 'cloudy', 'rain', 'showers', 'windy', 'fog', 'snow'];

/** A deterministic fake forecast: the same city and day always give the same weather. */
export function fakeForecast(city: string, days: number, units: 'metric' | 'imperial', call: number): Forecast {
  const seed = createHash('sha1').update(city.toLowerCase()).digest();
  const toUnits = (c: number) => (units === 'metric' ? c : Math.round(c * 1.8 + 32));
  return {
    city,
    units,
    call,
    days: Array.from({ length: days }, (_, d) => {
      const high = (seed[d % seed.length]! % 30) - 2;
      return { day: d + 1, high: toUnits(high), low: toUnits(high - 3 - (seed[(d + 7) % seed.length]! % 8)), summary: SUMMARIES[seed[d + 1]! % SUMMARIES.length]! };
    }),
  };
}

export interface WeatherService {
  app: ReturnType<typeof finishApp>;
  /** Requests that reached the service (including failed ones). */
  readonly calls: number;
  callsFor(city: string): number;
  reset(): void;
  set(opts: Pick<WeatherServiceOptions, 'latencyMs' | 'failureRate'>): void;
}

export function createWeatherService(opts: WeatherServiceOptions = {}): WeatherService {
  let latencyMs = opts.latencyMs ?? 200;
  let failureRate = opts.failureRate ?? 0;
  const random = opts.random ?? Math.random;
  let calls = 0;
  const perCity = new Map<string, number>();

  const app = createApp({ name: 'weather', metrics: false });
  const schemas = { query: forecastQuery };
  app.get('/forecast', validate(schemas), async (_req, res) => {
    const q = valid(res, schemas).query;
    const n = ++calls;
    perCity.set(q.city.toLowerCase(), (perCity.get(q.city.toLowerCase()) ?? 0) + 1);
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    if (random() < failureRate) {
      res.status(503).json({ error: { code: 'upstream_unavailable', message: 'the weather service is having a bad day' } });
      return;
    }
    res.json(fakeForecast(q.city, q.days, q.units, n));
  });
  app.get('/stats', (_req, res) => {
    res.json({ calls, latencyMs, failureRate, perCity: Object.fromEntries(perCity) });
  });
  finishApp(app);

  return {
    app,
    get calls() {
      return calls;
    },
    callsFor: (city) => perCity.get(city.toLowerCase()) ?? 0,
    reset() {
      calls = 0;
      perCity.clear();
    },
    set(o) {
      if (o.latencyMs !== undefined) latencyMs = o.latencyMs;
      if (o.failureRate !== undefined) failureRate = o.failureRate;
    },
  };
}
