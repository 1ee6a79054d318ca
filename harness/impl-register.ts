// Learner mode in a plain Node process (`npm run lab --impl`, race workers, test fixtures' children):
// module hooks swap the implementation in, shared/lua.ts reads exercise scripts from it, and reads of
// the reference's exercise files are refused (impl-guard.ts, which acts only while a swap is set).
// Synchronous on purpose: a forked worker must attach its IPC listener in the same tick, or it misses
// the parent's first message.
import { register } from 'node:module';
import { installImplGuard } from './impl-guard';
import { mappingsFromEnv } from './impl-resolve.mjs';

export function useImplFromEnv(): boolean {
  if (!mappingsFromEnv().length) return false;
  register(new URL('./impl-hooks.mjs', import.meta.url), { data: {} });
  installImplGuard();
  return true;
}
