// `npm run diagrams`: renders the first mermaid block of every lab README (and of
// docs/architecture.md) to docs/diagrams/<id>.svg with mermaid-cli and the system Chromium.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pc from 'picocolors';
import { discoverLabs, ROOT } from './labs';

const run = promisify(execFile);
const CHROMIUM_CANDIDATES = [process.env.PUPPETEER_EXECUTABLE_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function firstMermaidBlock(markdown: string): string | undefined {
  return /```mermaid\s*\n([\s\S]*?)```/.exec(markdown)?.[1];
}

async function main(): Promise<number> {
  const asked = process.env.PUPPETEER_EXECUTABLE_PATH;
  if (asked && !existsSync(asked)) {
    console.error(pc.red(`PUPPETEER_EXECUTABLE_PATH is ${asked}, which does not exist.`) + '\nPoint it at a Chrome/Chromium binary, or unset it to use the system Chromium.');
    return 2;
  }
  const browser = CHROMIUM_CANDIDATES.find((p) => p && existsSync(p));
  if (!browser) {
    console.error(
      pc.red('No Chromium found for mermaid-cli.') +
        '\nInstall it (Debian/Ubuntu: apt-get install chromium) or set PUPPETEER_EXECUTABLE_PATH to a Chrome/Chromium binary.',
    );
    return 2;
  }
  const outDir = path.join(ROOT, 'docs', 'diagrams');
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(path.join(tmpdir(), 'wb-diagrams-'));
  const config = path.join(tmp, 'puppeteer.json');
  // Headless flags that keep Chromium from reaching for the network or a sandbox it cannot have here.
  writeFileSync(config, JSON.stringify({ executablePath: browser, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] }));
  const sources = [
    ...discoverLabs().map((l) => ({ id: l.id, readme: path.join(l.dir, 'README.md') })),
    { id: 'architecture', readme: path.join(ROOT, 'docs', 'architecture.md') },
  ];
  let failed = 0;
  try {
    for (const { id, readme } of sources) {
      const block = existsSync(readme) ? firstMermaidBlock(readFileSync(readme, 'utf8')) : undefined;
      if (!block) {
        console.log(pc.yellow(`  ${id}: no mermaid block in ${path.relative(ROOT, readme)}`));
        continue;
      }
      const input = path.join(tmp, `${id}.mmd`);
      writeFileSync(input, block);
      const output = path.join(outDir, `${id}.svg`);
      try {
        await run(path.join(ROOT, 'node_modules', '.bin', 'mmdc'), ['-i', input, '-o', output, '-p', config, '-b', 'white', '-q']);
        console.log(pc.green(`  ${id}: ${path.relative(ROOT, output)}`));
      } catch (err) {
        failed++;
        console.error(pc.red(`  ${id}: ${((err as { stderr?: string }).stderr || (err as Error).message).trim().split('\n')[0]}`));
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
