import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';
import { serveChat } from './serve';
import { runJoin } from './terminal';

export default defineLab({
  id: '5.1.2',
  title: 'Chatroom on Redis pub/sub',
  summary: 'A WebSocket chat whose rooms are Redis channels: pub/sub across servers, presence, history, sessions.',
  services: ['redis'],
  run: (ctx, argv) => (argv[0] === 'join' ? runJoin(ctx, argv) : runDemo(ctx)),
  serve: serveChat,
  bench: runBench,
});
