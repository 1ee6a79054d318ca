import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';
import { serve } from './serve';

export default defineLab({
  id: '5.3.3',
  title: 'Circuit breaker shared through Redis',
  summary: 'One breaker state for every process: a Lua rolling window, N half-open probes, pub/sub sync, admin controls, and local fallback while Redis is down.',
  usage: {
    demo: 'three API instances share one breaker while the payments service gets sick and recovers',
    commands: {
      breaker: { about: 'the admin CLI for a breaker', args: '<open|close|reset|status> <name>', flags: { reason: { value: 'TEXT', about: 'why (logged with the change)' } } },
    },
    serveAbout: 'the gateway: /checkout calls /downstream/pay through breaker "payments"',
  },
  services: ['redis'],
  run: runDemo,
  serve,
  bench: runBench,
});
