import { defineConfig, type Plugin } from 'vitest/config';
import { resolveImpl } from './harness/impl-resolve.mjs';

// Learner mode for grading: `npm run grade <id> -- --impl starter|PATH` sets these two variables, and
// every import of the lab's src/ is answered from the implementation folder instead.
function implSwap(): Plugin | undefined {
  const srcDir = process.env.LAB_IMPL_SRC;
  const implDir = process.env.LAB_IMPL_DIR;
  if (!srcDir || !implDir) return undefined;
  return {
    name: 'workbook-impl-swap',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer) return null;
      return resolveImpl(source, importer.split('?')[0]!, { srcDir, implDir }) ?? null;
    },
  };
}

export default defineConfig({
  plugins: [implSwap()].filter((p): p is Plugin => Boolean(p)),
  test: {
    include: ['labs/*/test/**/*.test.ts', 'capstone/test/**/*.test.ts', 'harness/test/**/*.test.ts', 'shared/test/**/*.test.ts'],
    globalSetup: ['./harness/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files wait on Redis and Postgres far more than on the CPU, so run more than one per core.
    maxWorkers: 4,
    pool: 'forks',
  },
});
