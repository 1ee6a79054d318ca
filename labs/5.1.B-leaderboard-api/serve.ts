// `npm run lab 5.1.B -- serve [--port 3000]`: the leaderboard API alone; prints how to call the admin routes.
import type { LabContext } from '../../harness/context';
import type { ServeResult } from '../../harness/define-lab';
import { signToken } from './src/auth';
import { adminAuthFromEnv, leaderboardService } from './src/service';

export async function serveLeaderboard(ctx: LabContext): Promise<ServeResult> {
  const auth = adminAuthFromEnv();
  const service = await leaderboardService(ctx, { auth });
  // Only development credentials are ever printed: a configured key or secret is never logged.
  if (!process.env.LB_ADMIN_KEY) ctx.log.warn(`LB_ADMIN_KEY is not set: the development admin key is in use (header "x-api-key: ${auth.apiKey}")`);
  if (!process.env.LB_JWT_SECRET) ctx.log.warn(`LB_JWT_SECRET is not set: the development JWT secret is in use (admin token: "Authorization: Bearer ${await signToken(auth.jwtSecret, 'admin', 'admin', '12h')}")`);
  return service;
}
