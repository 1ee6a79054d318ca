import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';
import { serveSessions } from './serve';

export default defineLab({
  id: '5.3.2',
  title: 'JWT store with automatic expiration',
  summary: 'JWT access/refresh tokens (jose) backed by Redis sessions: sliding TTL, rotation with reuse detection, revocation, index cleanup.',
  run: runDemo,
  serve: serveSessions,
  bench: runBench,
});
