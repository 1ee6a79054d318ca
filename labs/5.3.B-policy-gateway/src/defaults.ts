// The policies a fresh store starts with (the demo, serve and the dashboard test use them).
import type { Rule, Tier } from './policy';

export const DEFAULT_TIERS: Tier[] = [
  { name: 'anonymous', limits: [{ window: 'second', limit: 2, burst: 5 }, { window: 'minute', limit: 30 }], failMode: 'closed', upgradeHint: 'sign up for a free API key to get 10 requests per second' },
  { name: 'free', limits: [{ window: 'second', limit: 5, burst: 10 }, { window: 'minute', limit: 100 }, { window: 'day', limit: 5_000 }], failMode: 'open', upgradeHint: 'upgrade to pro for 50 requests per second' },
  { name: 'pro', limits: [{ window: 'second', limit: 50, burst: 100 }, { window: 'minute', limit: 2_000 }, { window: 'day', limit: 200_000 }], failMode: 'open', upgradeHint: 'contact sales for enterprise limits' },
  { name: 'enterprise', limits: [{ window: 'second', limit: 500, burst: 1_000 }], failMode: 'open', upgradeHint: '' },
];

export const DEFAULT_RULES: Rule[] = [
  { id: 'search', method: 'GET', route: '/search', cost: 2, limits: [{ window: 'second', limit: 5 }], shadow: false },
  { id: 'orders-write', method: 'POST', route: '/orders', cost: 1, limits: [{ window: 'minute', limit: 20 }], shadow: false },
  { id: 'payments', method: '*', route: '/payments', cost: 5, limits: [], shadow: false, failMode: 'closed' },
];
