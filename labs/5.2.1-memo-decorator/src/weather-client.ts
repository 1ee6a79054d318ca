// The client the application calls: one HTTP request per forecast, memoized with @Memoize. The options
// come from the instance, so the same class runs L1-only in a test and hybrid L1→Redis in production.
import { AppError } from '../../../shared/errors';
import { Memoize, memoOf } from './decorator';
import type { MemoizeOptions, MemoStats } from './memoize';
import type { Forecast, ForecastQuery } from './weather-service';

export class UpstreamError extends AppError {
  constructor(status: number, message: string) {
    super(502, 'upstream_failed', `weather service answered ${status}: ${message}`);
  }
}

export class WeatherClient {
  constructor(
    readonly baseUrl: string,
    readonly memo: MemoizeOptions,
  ) {}

  @Memoize((self: WeatherClient) => self.memo)
  async forecast(city: string, query: Omit<ForecastQuery, 'city'> = {}): Promise<Forecast> {
    const params = new URLSearchParams({ city, ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) });
    const res = await fetch(`${this.baseUrl}/forecast?${params}`);
    if (!res.ok) throw new UpstreamError(res.status, await res.text());
    return (await res.json()) as Forecast;
  }

  /** The memoizer's counters (zero before the first call). */
  stats(): MemoStats | undefined {
    return memoOf(this, 'forecast')?.stats();
  }
}
