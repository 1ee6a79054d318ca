// One helper builds every Redis key: `<prefix><lab>:<entity>:<id>`, with an optional version segment.
// Tests pass a unique prefix so files can run in parallel; cleanup deletes by that prefix with SCAN.

export interface KeyBuilderOptions {
  /** Prepended to every key, e.g. `wb:` for demos or `t:ab12cd:` for a test file. */
  prefix?: string;
  /** Lab id or namespace, e.g. `5.1.1` or `lb`. */
  lab: string;
  /** Bump to ignore every key written under an older version (versioned keys). */
  version?: string | number;
}

export interface KeyBuilder {
  readonly prefix: string;
  readonly lab: string;
  /** `<prefix><lab>[:v<version>]:<entity>:<id...>` */
  key(entity: string, ...ids: Array<string | number>): string;
  /**
   * Same as `key`, but the id is wrapped in a `{hash tag}` so every key of one id lands in the same
   * Redis Cluster slot, which multi-key Lua scripts need.
   */
  tagged(entity: string, tag: string | number, ...rest: Array<string | number>): string;
  /** A SCAN MATCH pattern for every key of an entity (or of the whole lab when omitted). */
  pattern(entity?: string): string;
  /** Everything this builder can produce, for cleanup. */
  readonly all: string;
  /** A builder for another lab/namespace sharing this prefix. */
  forLab(lab: string, version?: string | number): KeyBuilder;
}

export function keyBuilder(opts: KeyBuilderOptions): KeyBuilder {
  const prefix = opts.prefix ?? '';
  const base = opts.version === undefined ? `${prefix}${opts.lab}` : `${prefix}${opts.lab}:v${opts.version}`;
  return {
    prefix,
    lab: opts.lab,
    key: (entity, ...ids) => [base, entity, ...ids].join(':'),
    tagged: (entity, tag, ...rest) => [base, entity, `{${tag}}`, ...rest].join(':'),
    pattern: (entity) => (entity ? `${escapeGlob(`${base}:${entity}:`)}*` : `${escapeGlob(`${base}:`)}*`),
    all: `${escapeGlob(prefix)}*`,
    forLab: (lab, version) => keyBuilder({ prefix, lab, version }),
  };
}

/** Escapes the characters SCAN MATCH treats as glob syntax. */
export function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
