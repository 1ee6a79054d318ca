import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';

export default defineLab({
  id: '5.3.4',
  title: 'Distributed locks: event booking without overselling',
  summary: 'SET NX PX locks, token-checked release, watchdogs and fencing tokens, against the oversold baseline.',
  run: runDemo,
  bench: runBench,
  // The bench rotates the strategies over rounds itself and reports every round.
  benchRounds: 1,
});
