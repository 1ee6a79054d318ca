import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';
import { serveGateway } from './serve';

export default defineLab({
  id: '5.3.B',
  title: 'Policy gateway',
  summary: 'An API gateway with tiered multi-window limits in one Lua call, breakers per downstream, hot-reloaded policies from Postgres, analytics and a live dashboard.',
  run: runDemo,
  serve: serveGateway,
  bench: runBench,
});
