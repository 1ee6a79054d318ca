import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';
import { serveLimited } from './serve';

export default defineLab({
  id: '5.3.1',
  title: 'Token bucket limiter middleware',
  summary: 'A token bucket in one Lua script, per user/IP/endpoint, as Express middleware with RateLimit headers.',
  services: ['redis'],
  run: runDemo,
  serve: serveLimited,
  bench: runBench,
  // The bench alternates the limiters over rounds itself and reports every round.
  benchRounds: 1,
});
