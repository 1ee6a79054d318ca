// Rewrites each lab README's generated figures block from its committed reference report.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { discoverLabs } from './labs';
import { figuresBlock, withFiguresBlock } from './readme-figures';
import { REPORTS_DIR, type Report } from './report';

/** The README files it changed. */
export function refreshReadmeFigures(reportsDir = REPORTS_DIR): string[] {
  const changed: string[] = [];
  for (const lab of discoverLabs()) {
    const json = path.join(reportsDir, `${lab.id}.json`);
    const readmePath = path.join(lab.dir, 'README.md');
    if (!existsSync(json) || !existsSync(readmePath)) continue;
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const before = readFileSync(readmePath, 'utf8');
    const after = withFiguresBlock(before, figuresBlock(report, reportLink(lab.dir, reportsDir, lab.id)), lab.id);
    if (after !== before) {
      writeFileSync(readmePath, after);
      changed.push(readmePath);
    }
  }
  return changed;
}

export const reportLink = (labDir: string, reportsDir: string, id: string) => path.relative(labDir, path.join(reportsDir, `${id}.md`)).split(path.sep).join('/');
