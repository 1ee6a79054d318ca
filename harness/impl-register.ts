// Learner mode in a plain Node process (`npm run lab --impl`, race workers, test fixtures' children):
// module hooks swap the implementation in, shared/lua.ts reads exercise scripts from it, and reads of
// the reference's exercise files are refused (impl-guard.ts).
import { register } from 'node:module';
import { mappingsFromEnv } from './impl-resolve.mjs';

export async function useImplFromEnv(): Promise<boolean> {
  const mappings = mappingsFromEnv();
  if (!mappings.length) return false;
  register(new URL('./impl-hooks.mjs', import.meta.url), { data: {} });
  await import('./impl-guard');
  return true;
}

