// Placeholder replaced below.
import type { AppWithMetrics } from '../../../shared/http';
import type { Gateway } from './gateway';
export function mountDashboard(_app: AppWithMetrics, _gw: Gateway): void {}
