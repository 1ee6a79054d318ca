// Node module hooks for `npm run lab <id> -- --impl starter|PATH` and for the worker processes a
// graded test starts (registered by the CLI, race-child.ts and test fixtures): the same rules as the
// vitest plugin in vitest.config.ts (see impl-resolve.mjs).
import { fileURLToPath, pathToFileURL } from 'node:url';
import { implMapping, mappingsFromEnv, missingMessage, refusedMessage, resolveImpl, stubModule } from './impl-resolve.mjs';
import path from 'node:path';

let mappings = [];

export function initialize(data) {
  if (data?.srcDir && data?.implDir && path.resolve(data.srcDir) !== path.resolve(data.implDir)) {
    mappings = [implMapping(path.dirname(path.resolve(data.srcDir)), data.implDir)];
  } else {
    mappings = mappingsFromEnv();
  }
}

export async function resolve(specifier, context, nextResolve) {
  if (mappings.length && context.parentURL?.startsWith('file:')) {
    const found = resolveImpl(specifier, fileURLToPath(context.parentURL), mappings);
    if (found && 'file' in found) return nextResolve(pathToFileURL(found.file).href, context);
    if (found) {
      const [ref, message] = 'missing' in found
        ? [found.reference, missingMessage(found.missing, found.implDir)]
        : [found.refused, refusedMessage(found.refused, found.importer)];
      const source = stubModule(ref, message);
      return { url: `data:text/javascript,${encodeURIComponent(source)}`, shortCircuit: true, format: 'module' };
    }
  }
  return nextResolve(specifier, context);
}
