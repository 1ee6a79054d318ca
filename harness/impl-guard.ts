// Grading setup file (vitest setupFiles while an implementation is swapped in): graded code may not
// read the reference's exercise files by any path — fs reads, `require` (which reads through fs) —
// so those reads are refused. shared/lua.ts asks implFileFor() first, so the scripts it loads are the
// implementation's.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { implFileFor, mappingsFromEnv, refusedMessage } from './impl-resolve.mjs';

const marker = Symbol.for('workbook.implGuard');
const refused = new Set<string>();

function check(p: unknown): void {
  if (!refused.size || (typeof p !== 'string' && !(p instanceof URL) && !Buffer.isBuffer(p))) return;
  let file = p instanceof URL ? fileURLToPath(p) : p.toString();
  file = path.resolve(file);
  try {
    file = fs.realpathSync(file);
  } catch {
    return;
  }
  if (refused.has(file)) throw Object.assign(new Error(refusedMessage(file, 'graded code')), { name: 'GradingError' });
}

type AnyFn = (...args: unknown[]) => unknown;
function guard(obj: Record<string, unknown>, name: string): void {
  const original = obj[name] as AnyFn | undefined;
  if (typeof original !== 'function') return;
  obj[name] = function guarded(this: unknown, ...args: unknown[]) {
    check(args[0]);
    return original.apply(this, args);
  };
}

/** Installs the lua-file hook and the fs guard for the swap the environment names (idempotent). */
export function installImplGuard(): void {
  const mappings = mappingsFromEnv();
  if (!mappings.length) return;
  const g = globalThis as Record<symbol, unknown>;
  g[Symbol.for('workbook.luaFile')] = (p: string) => implFileFor(p, mappings);
  for (const m of mappings) for (const f of m.refused) refused.add(f);
  if (g[marker]) return;
  g[marker] = true;
  const f = fs as unknown as Record<string, unknown>;
  for (const name of ['readFileSync', 'readFile', 'openSync', 'open', 'createReadStream', 'copyFileSync', 'copyFile', 'cpSync']) guard(f, name);
  const p = fs.promises as unknown as Record<string, unknown>;
  for (const name of ['readFile', 'open', 'copyFile', 'cp']) guard(p, name);
  syncBuiltinESMExports();
}

// As a vitest setup file it installs itself.
installImplGuard();
