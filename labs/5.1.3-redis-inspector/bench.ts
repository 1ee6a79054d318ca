// The bench: how fast the tool walks a big keyspace, what pipelining buys, and the two export formats.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChainableCommander } from 'ioredis';
import { clusterVsSingle } from '../../harness/cluster-bench';
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { deleteByPrefix } from '../../harness/context';
import { UsageError } from '../../harness/usage-error';
import { rateMetric, ratio, type Metric } from '../../harness/report';
import { keysReport } from './src/keys';
import type { RedisClient } from '../../shared/redis-client';
import { byMaster, mastersOf } from './src/nodes';
import { scanKeys } from './src/scan';
import { exportToFile, importFromFile } from './src/transfer';

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

/** Loads `n` keys of all five types (30 % with a TTL) with pipelines of 5,000 keys (one per master on a cluster). */
async function load(api: BenchApi, base: string, n: number): Promise<void> {
  const bar = api.progress('loading keys', n);
  await loadKeys(api.ctx.redis, base, n, (done) => bar.update(done));
  bar.stop();
}

async function loadKeys(r: RedisClient, base: string, n: number, onProgress?: (done: number) => void): Promise<void> {
  for (let start = 0; start < n; start += 5_000) {
    const ids = Array.from({ length: Math.min(n, start + 5_000) - start }, (_, j) => start + j);
    const groups = await byMaster(r, ids, (i) => `${base}${i % 10}:${kind(i)}:${i}`);
    await Promise.all(groups.map(([node, part]) => writeKeys(node.pipeline(), base, part).exec()));
    onProgress?.(Math.min(n, start + 5_000));
  }
}

function writeKeys(p: ChainableCommander, base: string, ids: number[]): ChainableCommander {
  for (const i of ids) {
    const key = `${base}${i % 10}:${kind(i)}:${i}`;
    const ttl = i % 10 < 3 ? 3_600 : 0;
    switch (kind(i)) {
      case 'str':
        p.set(key, `value-${i}-${'x'.repeat(40)}`);
        break;
      case 'hash':
        p.hset(key, 'name', `user ${i}`, 'email', `u${i}@example.com`, 'visits', i);
        break;
      case 'set':
        p.sadd(key, 'a', 'b', String(i));
        break;
      case 'list':
        p.rpush(key, 'x', 'y', String(i));
        break;
      default:
        p.zadd(key, 1, 'a', 2.5, 'b', i, 'c');
    }
    if (ttl) p.expire(key, ttl);
  }
  return p;
}

function kind(i: number): string {
  const m = i % 20;
  return m < 14 ? 'str' : m < 16 ? 'hash' : m < 18 ? 'set' : m < 19 ? 'list' : 'zset';
}

export async function runBench(api: BenchApi): Promise<BenchResult> {
  const { ctx, quick } = api;
  const sizeArg = api.argv.find((a) => a.startsWith('--keys='));
  const n = sizeArg ? Number(sizeArg.slice(7)) : quick ? 20_000 : 1_000_000;
  if (!Number.isSafeInteger(n) || n < 10_000) throw new UsageError(`--keys takes a whole number of at least 10,000 (got ${sizeArg!.slice(7)})`);
  const base = `${ctx.prefix}5.1.3:k:`;
  const metrics: Metric[] = [];
  const notes: string[] = [];

  await load(api, base, n);
  const all = `${base}*`;

  // 1. SCAN alone, then SCAN + pipelined TYPE / PTTL / MEMORY USAGE (the keys command)
  let t0 = process.hrtime.bigint();
  let scanned = 0;
  for (const node of mastersOf(ctx.redis)) for await (const batch of scanKeys(node, all)) scanned += batch.length;
  const scanRate = scanned / seconds(t0);
  const bar = api.progress('keys command (SCAN + pipeline)', n);
  t0 = process.hrtime.bigint();
  const report = await keysReport(ctx.redis, all, { limit: 1, onProgress: (v) => bar.update(Math.min(v, n)) });
  bar.stop();
  const inspectRate = report.matched / seconds(t0);
  metrics.push(rateMetric(`SCAN MATCH alone (${n.toLocaleString('en-US')} keys)`, scanRate, 'keys/s'));
  metrics.push(rateMetric('SCAN + pipelined TYPE/PTTL/MEMORY USAGE (keys command)', inspectRate, 'keys/s'));

  // 2. MEMORY USAGE: one pipeline for a batch vs one awaited round trip per key
  // The sample comes from one server (the first master of a cluster), so one pipeline can carry it.
  const server = mastersOf(ctx.redis)[0]!;
  const sample: string[] = [];
  for await (const batch of scanKeys(server, all)) {
    sample.push(...batch);
    if (sample.length >= (quick ? 1_000 : 5_000)) break;
  }
  sample.length = Math.min(sample.length, quick ? 1_000 : 5_000);
  t0 = process.hrtime.bigint();
  for (const key of sample) await server.call('MEMORY', 'USAGE', key);
  const oneByOne = sample.length / seconds(t0);
  t0 = process.hrtime.bigint();
  const pipe = server.pipeline();
  for (const key of sample) pipe.call('MEMORY', 'USAGE', key);
  await pipe.exec();
  const pipelined = sample.length / seconds(t0);
  metrics.push(rateMetric(`MEMORY USAGE, one round trip per key (${sample.length} keys)`, oneByOne, 'keys/s'));
  metrics.push(rateMetric(`MEMORY USAGE, one pipeline (${sample.length} keys)`, pipelined, 'keys/s'));

  // 3. export / import of a tenth of the keyspace (pattern `<base>0:*`), both formats
  const dir = mkdtempSync(path.join(tmpdir(), 'redis-inspector-bench-'));
  const subset = `${base}0:*`;
  const rates: Record<string, { export: number; import: number }> = {};
  try {
    for (const format of ['json', 'dump'] as const) {
      const file = path.join(dir, `export.${format}.jsonl`);
      t0 = process.hrtime.bigint();
      const ex = await exportToFile(ctx.redis, subset, file, { format });
      const exportRate = ex.keys / seconds(t0);
      await deleteByPrefix(ctx.redis, `${base}0:`);
      t0 = process.hrtime.bigint();
      const im = await importFromFile(ctx.redis, file);
      const importRate = im.written / seconds(t0);
      if (im.written !== ex.keys) notes.push(`${format}: exported ${ex.keys} keys but imported ${im.written}`);
      rates[format] = { export: exportRate, import: importRate };
      metrics.push(rateMetric(`export ${format} (${ex.keys.toLocaleString('en-US')} keys, ${(ex.bytes / 1e6).toFixed(1)} MB)`, exportRate, 'keys/s'));
      metrics.push(rateMetric(`import ${format}`, importRate, 'keys/s'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // 4. The keys command on a private single server vs a private 3-master cluster (every master walked).
  const topology = await clusterVsSingle(ctx, {
    what: 'keys command over 2,000 keys',
    iterations: quick ? 10 : 60,
    setup: async (redis, keys) => {
      const prefix = keys.key('topology', '');
      await loadKeys(redis, prefix, 2_000);
      return () => keysReport(redis, `${prefix}*`, { limit: 1 });
    },
  });
  metrics.push(...topology.metrics);

  notes.push(
    `${n.toLocaleString('en-US')} keys under the bench prefix (70 % strings, 10 % hashes, 10 % sets, 5 % lists, 5 % sorted sets; 30 % with a TTL), loaded with pipelines of 5,000 commands.`,
    `Default 1,000,000 keys (\`--keys=N\` for another size, \`--quick\` for 20,000).`,
    'SCAN uses COUNT 1000; the keys command adds one pipeline of TYPE + PTTL + MEMORY USAGE per SCAN batch (the next SCAN overlaps it).',
    'The export rates include the SCAN over the whole bench keyspace to find the tenth that matches the pattern.',
    'Export/import: a tenth of the keys (one pattern), batches of 500 keys: a TYPE (or EXISTS) pipeline, then one pipeline holding a MULTI … EXEC block per key (value + PTTL read together, value + PEXPIRE written together).',
    'Cluster vs single: the keys command (SCAN + one TYPE/PTTL/MEMORY USAGE pipeline per batch) over 2,000 keys, on a private single server and on a private 3-master cluster, where it walks each master in turn; calls alternate.',
    'Absolute rates move with the machine and whatever else runs on it; the ratios, measured in one run, are what to compare across machines.',
  );
  return {
    metrics,
    ratios: [
      ratio('memory_usage_pipelined / one_round_trip_per_key (keys/s)', pipelined / oneByOne, { atLeast: 5 }),
      ratio('scan_alone / scan_plus_inspect (keys/s)', scanRate / inspectRate, undefined, 'what describing each key costs over just listing it'),
      ratio('export dump / export json (keys/s)', rates.dump!.export / rates.json!.export),
      ratio('import dump / import json (keys/s)', rates.dump!.import / rates.json!.import),
      ...topology.ratios,
    ],
    notes,
  };
}
