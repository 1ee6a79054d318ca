// Lab discovery: every `labs/*/lab.ts` plus `capstone/lab.ts`. No registry to edit: a new folder is
// found at once. Titles are read from the file's text so listing does not import every lab. A folder
// without lab.ts (only its README so far), or whose lab.ts says `planned: true`, is a planned lab:
// listed as such, never run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LabDefinition } from './define-lab';
import { compareLabIds } from './report-summary';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const LABS_DIR = path.join(ROOT, 'labs');

export interface LabEntry {
  id: string;
  title: string;
  /** Absolute folder of the lab. */
  dir: string;
  /** Folder name, e.g. `5.1.1-leaderboard`. */
  folder: string;
  hasStarter: boolean;
  /** Announced (a README, or `planned: true`) but not built yet. */
  planned?: boolean;
}

function entry(dir: string, id: string): LabEntry {
  const labFile = path.join(dir, 'lab.ts');
  const base = { id, dir, folder: path.basename(dir), hasStarter: existsSync(path.join(dir, 'starter')) };
  if (existsSync(labFile)) {
    const text = readFileSync(labFile, 'utf8');
    const title = /title:\s*(['"`])(.+?)\1/.exec(text)?.[2] ?? path.basename(dir);
    return { ...base, title, planned: /\bplanned:\s*true\b/.test(text) };
  }
  // Planned: the README's heading, without the id and a "(planned)" note.
  const readme = path.join(dir, 'README.md');
  const heading = existsSync(readme) ? /^#\s+(.+)$/m.exec(readFileSync(readme, 'utf8'))?.[1] : undefined;
  const title = heading?.replace(/^\S+\s+[—-]\s+/, '').replace(/\s*\(planned\)\s*$/i, '') ?? path.basename(dir);
  return { ...base, title, planned: true };
}

/** The labs that run; with `{ planned: true }` also the planned ones (for listings). */
export function discoverLabs(root = ROOT, opts: { planned?: boolean } = {}): LabEntry[] {
  const labsDir = path.join(root, 'labs');
  const labs = existsSync(labsDir)
    ? readdirSync(labsDir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && /^\d+\.\d+\.\w+-/.test(d.name))
        .map((d) => entry(path.join(labsDir, d.name), d.name.split('-')[0]!))
    : [];
  const capstone = path.join(root, 'capstone');
  if (existsSync(capstone)) labs.push(entry(capstone, 'capstone'));
  return labs.filter((l) => opts.planned || !l.planned).sort((a, b) => compareLabIds(a.id, b.id));
}

export class UnknownLabError extends Error {}

export function findLab(id: string, root = ROOT): LabEntry {
  const labs = discoverLabs(root, { planned: true });
  const found = labs.find((l) => l.id.toLowerCase() === id.toLowerCase() || l.folder === id);
  if (!found) {
    throw new UnknownLabError(`Unknown lab "${id}". The labs are:\n${labs.map((l) => `  ${l.id.padEnd(9)} ${l.title}${l.planned ? '  (planned)' : ''}`).join('\n')}`);
  }
  if (found.planned) {
    throw new UnknownLabError(`Lab ${found.id} (${found.title}) is planned, not built yet: ${path.relative(process.cwd(), path.join(found.dir, 'README.md'))} says what it will be.`);
  }
  return found;
}

export async function loadLab(lab: LabEntry): Promise<LabDefinition> {
  const mod = (await import(pathToFileURL(path.join(lab.dir, 'lab.ts')).href)) as { default: LabDefinition };
  return mod.default;
}
