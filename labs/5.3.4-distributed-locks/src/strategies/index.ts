import { fencing } from './fencing';
import { forUpdate } from './for-update';
import { noLock } from './no-lock';
import { redisLock } from './redis-lock';
import type { BookingStrategy, StrategyDeps, StrategyName } from './types';
import { watchdogLock } from './watchdog';
import { watchMulti } from './watch-multi';

export * from './types';

const FACTORIES: Record<StrategyName, (deps: StrategyDeps) => BookingStrategy> = {
  'no-lock': noLock,
  'redis-lock': redisLock,
  watchdog: watchdogLock,
  fencing,
  'for-update': forUpdate,
  'watch-multi': watchMulti,
};

export function createStrategy(name: StrategyName, deps: StrategyDeps): BookingStrategy {
  return FACTORIES[name](deps);
}
