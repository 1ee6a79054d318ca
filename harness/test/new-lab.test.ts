import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverLabs } from '../labs';
import { createLab } from '../new-lab';

const tmp = mkdtempSync(path.join(tmpdir(), 'wb-harness-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('new-lab', () => {
  it('copies the template with the names filled in, and the lab is discovered', () => {
    const labs = path.join(tmp, 'root', 'labs');
    mkdirSync(labs, { recursive: true });
    const dir = createLab('7.1.1', 'my-topic', undefined, labs);
    expect(readFileSync(path.join(dir, 'lab.ts'), 'utf8')).toContain("id: '7.1.1'");
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('# 7.1.1 — My Topic');
    expect(existsSync(path.join(dir, 'starter', 'visits.ts'))).toBe(true);
    expect(discoverLabs(path.join(tmp, 'root')).map((l) => l.id)).toEqual(['7.1.1']);
    expect(() => createLab('7.1.1', 'again', undefined, labs)).toThrow(/already exists/);
    expect(() => createLab('7.1', 'x', undefined, labs)).toThrow(/must look like/);
    expect(() => createLab('7.1.2', 'Bad Slug', undefined, labs)).toThrow(/kebab-case/);
  });
});
