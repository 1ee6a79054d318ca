// Lab discovery: every `labs/*/lab.ts` plus `capstone/lab.ts`. No registry to edit: a new folder is
// found at once. Titles are read from the file's text so listing does not import every lab.
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
}

function entry(dir: string, id: string): LabEntry {
  const text = readFileSync(path.join(dir, 'lab.ts'), 'utf8');
  const title = /title:\s*(['"`])(.+?)\1/.exec(text)?.[2] ?? path.basename(dir);
  return { id, title, dir, folder: path.basename(dir), hasStarter: existsSync(path.join(dir, 'starter')) };
}

export function discoverLabs(root = ROOT): LabEntry[] {
  const labsDir = path.join(root, 'labs');
  const labs = existsSync(labsDir)
    ? readdirSync(labsDir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(path.join(labsDir, d.name, 'lab.ts')))
        .map((d) => entry(path.join(labsDir, d.name), d.name.split('-')[0]!))
    : [];
  const capstone = path.join(root, 'capstone');
  if (existsSync(path.join(capstone, 'lab.ts'))) labs.push(entry(capstone, 'capstone'));
  return labs.sort((a, b) => compareLabIds(a.id, b.id));
}

export class UnknownLabError extends Error {}

export function findLab(id: string, root = ROOT): LabEntry {
  const labs = discoverLabs(root);
  const found = labs.find((l) => l.id.toLowerCase() === id.toLowerCase() || l.folder === id);
  if (!found) {
    throw new UnknownLabError(`Unknown lab "${id}". The labs are:\n${labs.map((l) => `  ${l.id.padEnd(9)} ${l.title}`).join('\n')}`);
  }
  return found;
}

export async function loadLab(lab: LabEntry): Promise<LabDefinition> {
  const mod = (await import(pathToFileURL(path.join(lab.dir, 'lab.ts')).href)) as { default: LabDefinition };
  return mod.default;
}
