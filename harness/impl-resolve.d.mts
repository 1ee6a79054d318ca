export interface ImplMapping {
  srcDir: string;
  implDir: string;
  exercises: string[];
  refused: Set<string>;
}
export type ImplResolution = undefined | { file: string } | { missing: string; implDir: string; reference: string } | { refused: string; importer: string };
export function exerciseFiles(labDir: string): string[];
export function implMapping(labDir: string, implDir: string): ImplMapping;
export function mappingsFromEnv(env?: NodeJS.ProcessEnv): ImplMapping[];
export function resolveImpl(specifier: string, importerPath: string, mappings: ImplMapping[] | { srcDir: string; implDir: string }): ImplResolution;
export function implFileFor(file: string, mappings?: ImplMapping[]): string;
export function missingMessage(file: string, implDir: string): string;
export function refusedMessage(file: string, importer: string): string;
export function stubModule(referenceFile: string, message: string): string;
export function implDirFor(labDir: string, impl: string): string;
export class ImplNotFoundError extends Error {}
export class MissingExerciseFileError extends Error {}
