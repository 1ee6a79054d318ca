// Node module hooks for `npm run lab <id> -- --impl starter|PATH` (registered by the CLI).
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolveImpl } from './impl-resolve.mjs';

let dirs;

export function initialize(data) {
  dirs = data;
}

export async function resolve(specifier, context, nextResolve) {
  if (dirs && context.parentURL?.startsWith('file:')) {
    const found = resolveImpl(specifier, fileURLToPath(context.parentURL), dirs);
    if (found) return nextResolve(pathToFileURL(found).href, context);
  }
  return nextResolve(specifier, context);
}
