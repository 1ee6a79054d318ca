// No import cycles in the workbook: a file and the files it imports form a tree a reader can follow
// one way. The detector itself is checked on a throwaway tree first, so the empty list below means
// "no cycles", not "nothing found".
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findImportCycles } from '../import-cycles';

const scratch = mkdtempSync(join(tmpdir(), 'import-cycles-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('import cycles', () => {
  it('the detector finds a cycle closed by a type-only import or a re-export, and ignores packages', () => {
    mkdirSync(join(scratch, 'src/sub'), { recursive: true });
    const write = (f: string, text: string) => writeFileSync(join(scratch, f), text);
    write('src/a.ts', "import { b } from './b';\nimport { z } from 'zod';\nexport const a = () => b + String(z);\n");
    write('src/b.ts', "import type { C } from './sub/c';\nexport const b = 1 as unknown as C;\n");
    write('src/sub/c.ts', "export type { A } from '../a.js';\nexport type C = number;\n");
    write('src/d.ts', "import { a } from './a';\nexport const d = a;\n"); // imports the cycle, is not in it
    expect(findImportCycles(['src'], scratch)).toEqual([['src/a.ts', 'src/b.ts', 'src/sub/c.ts', 'src/a.ts']]);
  });

  it('labs/, harness/ and shared/ have none', () => {
    const cycles = findImportCycles(['labs', 'harness', 'shared']).map((c) => c.join(' → '));
    expect(cycles).toEqual([]);
  });
});
