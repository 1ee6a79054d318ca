// `npm run new-lab <id> <slug>`: copies harness/template into labs/<id>-<slug>, filling in the names.
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './usage-error';
import { discoverLabs, LABS_DIR } from './labs';

const TEMPLATE = path.join(import.meta.dirname, 'template');

export function createLab(id: string, slug: string, title?: string, labsDir = LABS_DIR): string {
  if (!/^\d+\.\d+\.(\d+|[A-Z])$/.test(id)) throw new UsageError(`lab id must look like 5.4.1 or 5.4.B, got "${id}"`);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug)) throw new UsageError(`slug must be kebab-case (a-z, 0-9, -), got "${slug}"`);
  if (discoverLabs(path.dirname(labsDir)).some((l) => l.id === id)) throw new UsageError(`lab ${id} already exists`);
  const dir = path.join(labsDir, `${id}-${slug}`);
  if (existsSync(dir)) throw new UsageError(`${dir} already exists`);
  const niceTitle = title ?? slug.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ');
  cpSync(TEMPLATE, dir, { recursive: true });
  const fill = (file: string) => {
    const text = readFileSync(file, 'utf8').replaceAll('__LAB_ID__', id).replaceAll('__LAB_SLUG__', slug).replaceAll('__LAB_TITLE__', niceTitle);
    writeFileSync(file, text);
  };
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else fill(p);
    }
  };
  walk(dir);
  return dir;
}
