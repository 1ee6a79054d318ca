import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';
import { serveChat } from './serve';
import { runJoin } from './terminal';

export default defineLab({
  id: '5.1.2',
  title: 'Chatroom on Redis pub/sub',
  summary: 'A WebSocket chat whose rooms are Redis channels: pub/sub across servers, presence, history, sessions.',
  usage: {
    demo: 'two chat servers sharing rooms through Redis pub/sub, with presence and history',
    commands: {
      join: {
        about: 'a terminal chat client for a running server',
        args: '<room>',
        flags: {
          user: { value: 'NAME', about: 'your user name (registered on first use)' },
          password: { value: 'PW', about: 'your password (default: <user>-password, for a local demo only)' },
          url: { value: 'URL', about: 'the chat server (default http://127.0.0.1:3000)' },
        },
      },
    },
    serve: { rooms: { value: 'a,b', about: 'the rooms (default general,random,redis)' } },
  },
  services: ['redis'],
  run: (ctx, argv) => (argv[0] === 'join' ? runJoin(ctx, argv) : runDemo(ctx)),
  serve: serveChat,
  bench: runBench,
});
