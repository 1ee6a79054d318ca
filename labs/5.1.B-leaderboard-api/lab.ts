import { defineLab } from '../../harness/define-lab';
import { parseArgsOrUsage, UsageError } from '../../harness/usage-error';
import { runBench } from './src/bench';
import { runDemo } from './src/demo';
import { adminAuthFromEnv, leaderboardService } from './src/service';
import { signToken } from './src/auth';

export default defineLab({
  id: '5.1.B',
  title: 'Leaderboard API',
  summary: 'Daily/weekly/all-time boards updated by one Lua script, stable cursors, rank-around-me, admin reset with a Postgres archive, SSE over pub/sub.',
  async run(ctx, argv) {
    const { positionals } = parseArgsOrUsage({ args: argv, allowPositionals: true, strict: true, options: {} }, 'Usage: npm run lab 5.1.B [-- serve --port 3000]');
    if (positionals.length) throw new UsageError(`unknown subcommand "${positionals[0]}" (try: npm run lab 5.1.B, or npm run lab 5.1.B -- serve --port 3000)`);
    await runDemo(ctx);
  },
  async serve(ctx) {
    const auth = adminAuthFromEnv();
    const service = await leaderboardService(ctx, { auth });
    // Only development credentials are ever printed: a configured key or secret is never logged.
    if (!process.env.LB_ADMIN_KEY) ctx.log.warn(`LB_ADMIN_KEY is not set: the development admin key is in use (header "x-api-key: ${auth.apiKey}")`);
    if (!process.env.LB_JWT_SECRET) ctx.log.warn(`LB_JWT_SECRET is not set: the development JWT secret is in use (admin token: "Authorization: Bearer ${await signToken(auth.jwtSecret, 'admin', 'admin', '12h')}")`);
    return service;
  },
  bench: runBench,
});
