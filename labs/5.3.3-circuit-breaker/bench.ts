import type { BenchApi, BenchResult } from '../../harness/define-lab';
export async function runBench(_api: BenchApi): Promise<BenchResult> {
  return { metrics: [], ratios: [] };
}
