// Progress bars for seeding and benchmarks: cli-progress on a terminal, a few plain lines in CI logs.
import cliProgress from 'cli-progress';

export interface Progress {
  increment(n?: number): void;
  update(value: number): void;
  stop(): void;
}

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || process.env.CI) {
    let value = 0;
    let lastDecile = -1;
    const note = () => {
      const decile = Math.floor((value / Math.max(1, total)) * 4);
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`  ${label}: ${Math.min(value, total).toLocaleString()}/${total.toLocaleString()}\n`);
      }
    };
    note();
    return {
      increment(n = 1) {
        value += n;
        note();
      },
      update(v) {
        value = v;
        note();
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `  ${label.padEnd(28)} {bar} {percentage}% | {value}/{total} | {eta_formatted} left`, hideCursor: true, stream, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    increment: (n = 1) => bar.increment(n),
    update: (v) => bar.update(v),
    stop: () => bar.stop(),
  };
}
