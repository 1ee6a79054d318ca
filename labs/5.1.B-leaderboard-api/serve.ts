// `npm run lab 5.1.B -- serve [--port 3000]`: the leaderboard API alone; prints how to call the admin routes.
import type { LabContext } from '../../harness/context';
import type { ServeResult } from '../../harness/define-lab';
import { signToken } from './src/auth';
import { adminAuthFromEnv, leaderboardService } from './src/service';

export async function serveLeaderboard(ctx: LabContext): Promise<ServeResult> {
  const auth = adminAuthFromEnv();
  const service = await leaderboardService(ctx, { auth });
  ctx.log.info(`admin: header "x-api-key: ${auth.apiKey}" or "Authorization: Bearer ${await signToken(auth.jwtSecret, 'admin', 'admin', '12h')}" (set LB_ADMIN_KEY / LB_JWT_SECRET to change)`);
  return service;
}
