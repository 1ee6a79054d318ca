import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';

export default defineLab({
  id: '__LAB_ID__',
  title: '__LAB_TITLE__',
  summary: 'A page-visit counter: INCR for totals, a HyperLogLog for unique visitors.',
  // Every command needs Redis only; per command instead: { run: ['redis'], bench: ['redis', 'postgres'] }.
  services: ['redis'],
  // Flags and subcommands the demo takes, for --help (and unknown ones exit 2), e.g.
  // usage: { flags: { count: { value: 'N', about: 'visits to record' } } },
  run: (ctx) => runDemo(ctx),
  bench: runBench,
});
