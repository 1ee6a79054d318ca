import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';
import { mappingsFromEnv, missingMessage, refusedMessage, resolveImpl, stubModule } from './harness/impl-resolve.mjs';

// Learner mode for grading: `npm run grade <id> -- --impl starter|PATH` sets LAB_IMPL_SRC and
// LAB_IMPL_DIR (or LAB_IMPL_STARTERS for every lab on its starter), and the implementation folder
// stands in for the lab's src/ by the rules of harness/impl-resolve.mjs.
const mappings = mappingsFromEnv();
const STUB = '\0workbook-impl-stub:';

function implSwap(): Plugin {
  return {
    name: 'workbook-impl-swap',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || importer.startsWith('\0')) return null;
      const found = resolveImpl(source, importer.split('?')[0]!, mappings);
      if (!found) return null;
      if ('file' in found) return found.file;
      const [ref, message] = 'missing' in found
        ? [found.reference, missingMessage(found.missing, found.implDir)]
        : [found.refused, refusedMessage(found.refused, found.importer)];
      return STUB + JSON.stringify({ ref, message });
    },
    load(id) {
      if (!id.startsWith(STUB)) return null;
      const { ref, message } = JSON.parse(id.slice(STUB.length)) as { ref: string; message: string };
      return stubModule(ref, message);
    },
  };
}

const TEST_ROOTS = ['labs', 'capstone', 'harness/test', 'shared/test'];
const include = ['labs/*/test/**/*.test.ts', 'capstone/test/**/*.test.ts', 'harness/test/**/*.test.ts', 'shared/test/**/*.test.ts'];

/** Test files whose source contains `marker` (how drill files are found). */
function filesCalling(marker: string): string[] {
  const root = import.meta.dirname;
  return TEST_ROOTS.flatMap((dir) => {
    let names: string[] = [];
    try {
      names = readdirSync(path.join(root, dir), { recursive: true }) as string[];
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.test.ts') && !n.includes('node_modules'))
      .map((n) => path.join(dir, n))
      .filter((f) => readFileSync(path.join(root, f), 'utf8').includes(marker));
  });
}
/**
 * Test files that run an outage drill. They assert "every request answered within 1 s", a bound a
 * starved CPU can break on its own, so they run after the rest of the suite, one file at a time.
 */
const drills = filesCalling('runOutageDrill(');
/** Failover drills: each starts its own cluster with replicas and kills a master under load. */
const failovers = filesCalling('runFailoverDrill(');
/** Tests that start their own small cluster to prove a key layout (the single-node pass's cluster proof). */
const ownCluster = filesCalling('startRedisCluster(').filter((f) => !failovers.includes(f));

/**
 * `npm run test:cluster` (vitest.cluster.config.ts): the labs' suites on a Redis Cluster the global
 * setup starts (or REDIS_CLUSTER_NODES), then the failover drills. Outage drills freeze a single
 * private server, and the harness's own tests are about the harness, so they stay in `npm test`.
 */
const onCluster = process.env.WORKBOOK_REDIS === 'cluster';
const labSuites = ['labs/*/test/**/*.test.ts', 'capstone/test/**/*.test.ts', 'harness/test/keys-context.test.ts', 'harness/test/cluster-demos.test.ts'];
/** Only on a cluster: every lab's demo, run as a learner runs it. */
const clusterOnly = ['harness/test/cluster-demos.test.ts'];

export default defineConfig({
  plugins: mappings.length ? [implSwap()] : [],
  test: {
    globalSetup: ['./harness/test/global-setup.ts'],
    setupFiles: mappings.length ? ['./harness/impl-guard.ts'] : [],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files wait on Redis and Postgres far more than on the CPU, so run more than one per core.
    maxWorkers: 4,
    pool: 'forks',
    projects: onCluster
      ? [
          { extends: true, test: { name: 'cluster suite', include: labSuites, exclude: [...drills, ...failovers, ...ownCluster], sequence: { groupOrder: 0 } } },
          { extends: true, test: { name: 'failover drills', include: failovers, fileParallelism: false, sequence: { groupOrder: 1 } } },
        ]
      : [
          { extends: true, test: { name: 'suite', include, exclude: [...drills, ...failovers, ...clusterOnly], sequence: { groupOrder: 0 } } },
          { extends: true, test: { name: 'outage drills', include: drills, fileParallelism: false, sequence: { groupOrder: 1 } } },
        ],
  },
});
