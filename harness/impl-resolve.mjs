// Learner mode: while a lab runs or is graded "on" another implementation (its starter/, or a
// student's folder anywhere on disk), that folder stands in for the lab's src/:
// - exercise files (the files the lab's starter/ holds, TS and Lua) come from the folder only; one it
//   lacks is a "missing file", never the reference;
// - every other file comes from the lab's src/ (relative imports inside the folder that point out of it
//   resolve as they would from src/, so a starter copied anywhere still finds ../../../shared/…);
// - graded code (files of the folder) that reaches a reference exercise file — relative, absolute,
//   file: URL, dynamic import — is refused.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CANDIDATE_SUFFIXES = ['', '.ts', '/index.ts', '.mts', '.js', '.lua'];

function variants(base) {
  return base.endsWith('.js') ? [base.slice(0, -3) + '.ts', base] : [base];
}

function firstFile(base) {
  for (const v of variants(base)) {
    for (const suffix of CANDIDATE_SUFFIXES) {
      const f = v + suffix;
      if (existsSync(f) && statSync(f).isFile()) return f;
    }
  }
  return undefined;
}

const inside = (dir, p) => p === dir || p.startsWith(dir + path.sep);

/** The exercise files of a lab: the files of its starter/ (relative paths, sorted). */
export function exerciseFiles(labDir) {
  const starter = path.join(labDir, 'starter');
  if (!existsSync(starter)) return [];
  const out = [];
  const walk = (dir) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else out.push(path.relative(starter, p));
    }
  };
  walk(starter);
  return out.sort();
}

/**
 * One lab's swap: `srcDir` is the reference, `implDir` the folder graded in its place.
 * @param {string} labDir
 * @param {string} implDir
 */
export function implMapping(labDir, implDir) {
  const srcDir = path.join(labDir, 'src');
  const exercises = exerciseFiles(labDir);
  const refused = new Set();
  for (const e of exercises) {
    const f = path.join(srcDir, e);
    if (existsSync(f)) refused.add(realpathSync(f));
  }
  return { srcDir, implDir: path.resolve(implDir), exercises, refused };
}

/**
 * The mappings in force, from the environment the grader (or `npm run lab --impl`) sets:
 * LAB_IMPL_SRC + LAB_IMPL_DIR for one lab, or LAB_IMPL_STARTERS=<labs dir> for every lab on its starter.
 */
export function mappingsFromEnv(env = process.env) {
  if (env.LAB_IMPL_STARTERS) {
    const labsDir = env.LAB_IMPL_STARTERS;
    // Every lab folder, and the capstone beside labs/ (same anatomy).
    const dirs = readdirSync(labsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => path.join(labsDir, d.name))
      .concat(path.join(labsDir, '..', 'capstone'));
    return dirs.filter((dir) => existsSync(path.join(dir, 'starter'))).map((dir) => implMapping(dir, path.join(dir, 'starter')));
  }
  if (env.LAB_IMPL_SRC && env.LAB_IMPL_DIR && path.resolve(env.LAB_IMPL_SRC) !== path.resolve(env.LAB_IMPL_DIR)) {
    return [implMapping(path.dirname(path.resolve(env.LAB_IMPL_SRC)), env.LAB_IMPL_DIR)];
  }
  return [];
}

function exerciseOf(m, rel) {
  for (const v of variants(rel)) {
    for (const suffix of CANDIDATE_SUFFIXES) if (m.exercises.includes(path.normalize(v + suffix))) return path.normalize(v + suffix);
  }
  return undefined;
}

function toPath(specifier) {
  if (specifier.startsWith('file:')) return fileURLToPath(specifier);
  if (specifier.startsWith('/@fs/')) return specifier.slice(4);
  if (path.isAbsolute(specifier)) return specifier;
  return undefined;
}

const mappingFor = (mappings, p) => mappings.find((m) => inside(m.implDir, p) || inside(m.srcDir, p));

/**
 * Where an import lands while an implementation is swapped in.
 * @param {string} specifier
 * @param {string} importerPath absolute path of the importing file
 * @param {Array<ReturnType<typeof implMapping>> | { srcDir: string, implDir: string }} mappings
 * @returns {undefined | { file: string } | { missing: string, implDir: string, reference: string } | { refused: string, importer: string }}
 */
export function resolveImpl(specifier, importerPath, mappings) {
  if (!Array.isArray(mappings)) mappings = [implMapping(path.dirname(mappings.srcDir), mappings.implDir)];
  let target = toPath(specifier);
  const grader = mappings.find((m) => inside(m.implDir, importerPath));
  if (!target) {
    if (!specifier.startsWith('.')) return undefined;
    target = path.resolve(path.dirname(importerPath), specifier);
    // Written inside the folder but pointing out of it: means the same path seen from src/.
    if (grader && !inside(grader.implDir, target)) {
      target = path.resolve(grader.srcDir, path.join(path.relative(grader.implDir, path.dirname(importerPath)), specifier));
    }
  }
  const m = mappingFor(mappings, target);
  if (!m) {
    const f = grader && specifier.startsWith('.') ? firstFile(target) : undefined;
    return f ? { file: f } : undefined;
  }
  const fromSrc = !inside(m.implDir, target);
  const rel = path.relative(fromSrc ? m.srcDir : m.implDir, target);
  const exercise = exerciseOf(m, rel);
  if (!exercise) {
    const f = firstFile(path.join(m.srcDir, rel)) ?? firstFile(path.join(m.implDir, rel));
    return f ? { file: f } : undefined;
  }
  if (grader === m && fromSrc) return { refused: path.join(m.srcDir, exercise), importer: importerPath };
  const f = path.join(m.implDir, exercise);
  if (!existsSync(f)) return { missing: exercise, implDir: m.implDir, reference: path.join(m.srcDir, exercise) };
  if (grader === m && m.refused.has(realpathSync(f))) return { refused: path.join(m.srcDir, exercise), importer: importerPath };
  return { file: f };
}

/**
 * The file to read for a data file (a .lua script) named by absolute path: exercise files from the
 * implementation, others from src/. Throws MissingExerciseFileError for an exercise file the folder lacks.
 * @param {string} file
 */
export function implFileFor(file, mappings = mappingsFromEnv()) {
  if (!mappings.length) return file;
  let m = mappingFor(mappings, file);
  let rel;
  if (m) rel = path.relative(inside(m.implDir, file) ? m.implDir : m.srcDir, file);
  else if (!existsSync(file)) {
    // e.g. a starter's new URL('../src/x.lua', import.meta.url) in a copy outside the repository.
    for (const c of mappings) {
      const mapped = path.resolve(c.srcDir, path.relative(c.implDir, file));
      if (inside(c.srcDir, mapped)) [m, rel] = [c, path.relative(c.srcDir, mapped)];
    }
  }
  if (!m || rel === undefined) return file;
  if (!m.exercises.includes(rel)) return path.join(m.srcDir, rel);
  const f = path.join(m.implDir, rel);
  if (!existsSync(f)) throw new MissingExerciseFileError(missingMessage(rel, m.implDir));
  return f;
}

export const missingMessage = (file, implDir) => `missing file ${file} in ${implDir} (copy it from the lab's starter/ and finish it)`;
export const refusedMessage = (file, importer) =>
  `refused: ${importer} reaches the reference solution ${file}; graded code must not use the lab's src/ exercise files`;

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

/** An exercise file the graded folder does not have. */
export class MissingExerciseFileError extends Error {}

/**
 * Source of a module that stands in for a missing or refused exercise file: it has the reference's
 * export names, and each throws `message` when used, so only the tests that use it fail.
 * @param {string} referenceFile
 * @param {string} message
 */
export function stubModule(referenceFile, message) {
  const text = existsSync(referenceFile) ? readFileSync(referenceFile, 'utf8') : '';
  const names = new Set();
  for (const m of text.matchAll(/^export\s+(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|class|const|let|var|enum)\s+([A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
  for (const m of text.matchAll(/^export\s*\{([^}]*)\}(?!\s*from)/gm)) {
    for (const part of m[1].split(',')) {
      const t = part.trim();
      if (!t || t.startsWith('type ')) continue;
      names.add(t.split(/\s+as\s+/).pop().trim());
    }
  }
  const hasDefault = /^export\s+default\b/m.test(text);
  const lines = [
    `const message = ${JSON.stringify(message)};`,
    'const fail = () => { const e = new Error(message); e.name = "GradingError"; throw e; };',
    'const quiet = new Set(["prototype", "name", "length", "then", "constructor", "toJSON", "asymmetricMatch", "$$typeof", "nodeType", "@@__IMMUTABLE_ITERABLE__@@", "@@__IMMUTABLE_RECORD__@@"]);',
    'const stub = () => new Proxy(function () {}, { apply: fail, construct: fail, get: (t, p) => (typeof p === "symbol" || quiet.has(p) ? Reflect.get(t, p) : fail()) });',
    ...[...names].filter((n) => n !== 'default').map((n) => `export const ${n} = stub();`),
  ];
  if (hasDefault) lines.push('export default stub();');
  return lines.join('\n');
}
