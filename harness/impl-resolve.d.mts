export function resolveImpl(specifier: string, importerPath: string, dirs: { srcDir: string; implDir: string }): string | undefined;
export function implDirFor(labDir: string, impl: string): string;
export class ImplNotFoundError extends Error {}
