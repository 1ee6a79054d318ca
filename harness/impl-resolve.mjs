// Learner mode: while a lab runs or is graded "on" another implementation (its starter/ or a
// student's folder), every import that lands in the lab's src/ is answered from that folder instead,
// file by file; files the implementation does not have still come from src/.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

const CANDIDATE_SUFFIXES = ['', '.ts', '/index.ts', '.mts', '.js'];

function firstFile(base) {
  const variants = base.endsWith('.js') ? [base.slice(0, -3) + '.ts', base] : [base];
  for (const v of variants) {
    for (const suffix of CANDIDATE_SUFFIXES) {
      const f = v + suffix;
      if (existsSync(f) && statSync(f).isFile()) return f;
    }
  }
  return undefined;
}

/**
 * @param {string} specifier a relative import
 * @param {string} importerPath absolute path of the importing file
 * @param {{ srcDir: string, implDir: string }} dirs
 * @returns {string | undefined} the file to load instead, or undefined to resolve normally
 */
export function resolveImpl(specifier, importerPath, { srcDir, implDir }) {
  if (!specifier.startsWith('.')) return undefined;
  let target = path.resolve(path.dirname(importerPath), specifier);
  // An import written inside the implementation folder means the same file of src/.
  if (target === implDir || target.startsWith(implDir + path.sep)) target = srcDir + target.slice(implDir.length);
  if (target !== srcDir && !target.startsWith(srcDir + path.sep)) return undefined;
  const rel = target.slice(srcDir.length);
  return firstFile(implDir + rel) ?? firstFile(srcDir + rel);
}

/**
 * Where an implementation lives: `starter` means the lab's own starter/, anything else is a path.
 * @param {string} labDir
 * @param {string} impl
 */
export function implDirFor(labDir, impl) {
  const dir = impl === 'starter' ? path.join(labDir, 'starter') : path.resolve(impl);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ImplNotFoundError(`implementation folder not found: ${dir} (give --impl starter, or the folder holding your copy of the lab's src/ files)`);
  }
  return dir;
}

/** A mistyped --impl: the CLI prints the message and exits 2, without a stack. */
export class ImplNotFoundError extends Error {}
