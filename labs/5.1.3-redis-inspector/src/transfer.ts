// `export <pattern> --out FILE` and `import FILE [--replace]`: the record commands (exercises 3, 4)
// applied to a whole keyspace, a batch at a time (src/batch.ts: two round trips per batch).
import { once } from 'node:events';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import type { RedisClient } from '../../../shared/redis-client';
import { ValidationError } from '../../../shared/errors';
import { FORMAT, headerSchema, recordSchema, type ExportHeader, type ExportRecord } from './record-format';
import { exportKeys, importRecords, type ImportOptions } from './batch';
import { checkPattern, positiveInt } from './walk';
import { parseInfo } from './info';
import { mastersOf } from './nodes';

export interface ExportOptions {
  /** `json` (portable, per type) or `dump` (DUMP payloads: exact and fast, same-or-newer Redis only). */
  format?: 'json' | 'dump';
  count?: number;
  /** Keys per batch: one TYPE pipeline, then one pipeline of MULTI blocks (default 500). */
  batch?: number;
  onProgress?(keys: number): void;
}

export interface ExportResult {
  file: string;
  keys: number;
  bytes: number;
  format: 'json' | 'dump';
}

export async function exportToFile(redis: RedisClient, pattern: string, file: string, opts: ExportOptions = {}): Promise<ExportResult> {
  checkPattern(pattern);
  if (!file) throw new ValidationError('export needs --out FILE');
  const format = opts.format ?? 'json';
  if (format !== 'json' && format !== 'dump') throw new ValidationError(`--format must be json or dump (got ${String(format)})`);
  const batchSize = positiveInt(opts.batch ?? 500, 'batch');
  const out = createWriteStream(file);
  out.on('error', () => {}); // surfaced by the awaits below (events.once rejects on 'error')
  const wait = (event: string) =>
    once(out, event).catch((err: Error) => {
      throw new ValidationError(`cannot write ${file}: ${err.message}`);
    });
  await wait('open');
  const write = async (text: string) => {
    if (out.errored) throw new ValidationError(`cannot write ${file}: ${out.errored.message}`);
    if (!out.write(text)) await wait('drain');
  };
  const header: ExportHeader = { format: FORMAT, version: 1, encoding: format, pattern, exportedAt: new Date().toISOString(), redis: parseInfo(await redis.info('server')).redis_version ?? '?' };
  await write(`${JSON.stringify(header)}\n`);

  let keys = 0;
  const seen = new Set<string>(); // SCAN may repeat a key while the table rehashes
  const flush = async (server: RedisClient, batch: Buffer[]) => {
    const records = await exportKeys(server, batch, { dump: format === 'dump' });
    const lines = records.filter((r): r is ExportRecord => r !== null).map((r) => JSON.stringify(r));
    keys += lines.length;
    if (lines.length) await write(`${lines.join('\n')}\n`);
    opts.onProgress?.(keys);
  };
  // Every master of a cluster in turn; a batch of one master's keys is read from that master.
  for (const node of mastersOf(redis)) {
    let pending: Buffer[] = [];
    for await (const found of node.scanBufferStream({ match: pattern, count: opts.count ?? 1_000 }) as AsyncIterable<Buffer[]>) {
      for (const k of found) {
        const id = k.toString('latin1');
        if (seen.has(id)) continue;
        seen.add(id);
        pending.push(k);
        if (pending.length >= batchSize) {
          await flush(node, pending);
          pending = [];
        }
      }
    }
    if (pending.length) await flush(node, pending);
  }
  out.end();
  await wait('finish');
  return { file, keys, bytes: out.bytesWritten, format };
}

export interface ImportResult {
  file: string;
  written: number;
  skipped: number;
  header: ExportHeader;
}

/** The longest line (one key's record) an import reads; anything longer is not an export of ours. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export async function importFromFile(
  redis: RedisClient,
  file: string,
  opts: ImportOptions & { batch?: number; maxLineBytes?: number; onProgress?(records: number): void } = {},
): Promise<ImportResult> {
  if (!file) throw new ValidationError('import needs a FILE');
  checkReadable(file);
  const batchSize = positiveInt(opts.batch ?? 500, 'batch');
  const lines = readLines(file, opts.maxLineBytes ?? MAX_LINE_BYTES);
  let header: ExportHeader | undefined;
  let lineNo = 0;
  let written = 0;
  let skipped = 0;
  let batch: ExportRecord[] = [];
  const flush = async () => {
    const r = await importRecords(redis, batch, opts);
    written += r.written;
    skipped += r.skipped;
    batch = [];
    opts.onProgress?.(written + skipped);
  };
  for await (const line of lines) {
    lineNo++;
    if (!line.trim()) continue;
    const json = parseJson(line, file, lineNo);
    if (!header) {
      const h = headerSchema.safeParse(json);
      if (!h.success) throw new ValidationError(`${file}:${lineNo}: not a redis-inspector export (the first line must be its header)`);
      header = h.data;
      continue;
    }
    const rec = recordSchema.safeParse(json);
    if (!rec.success) throw new ValidationError(`${file}:${lineNo}: bad record (${rec.error.issues[0]?.message ?? 'invalid'})`);
    batch.push(rec.data);
    if (batch.length >= batchSize) await flush();
  }
  if (!header) throw new ValidationError(`${file}: empty file, not a redis-inspector export`);
  if (batch.length) await flush();
  return { file, written, skipped, header };
}

/** A regular file we may read: a directory or a device (/dev/zero never ends) is refused up front. */
function checkReadable(file: string): void {
  let stat;
  try {
    stat = statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ValidationError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  if (stat.isDirectory()) throw new ValidationError(`cannot read ${file}: it is a directory (give the file written by export)`);
  if (!stat.isFile()) throw new ValidationError(`cannot read ${file}: not a regular file (give the file written by export)`);
}

/**
 * The file's lines, streamed, each at most `maxBytes`: a record is one line, so a longer one means a
 * file that is not an export, and holding it whole would exhaust the heap.
 */
async function* readLines(file: string, maxBytes: number): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  let size = 0;
  let lineNo = 1;
  const limit = maxBytes >= 1024 * 1024 ? `${Math.round(maxBytes / 1024 / 1024)} MiB` : `${maxBytes} bytes`;
  const tooLong = () => new ValidationError(`${file}:${lineNo}: a line longer than ${limit}: not a redis-inspector export`);
  const stream = createReadStream(file);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        if (size + nl - start > maxBytes) throw tooLong();
        parts.push(chunk.subarray(start, nl));
        yield Buffer.concat(parts).toString('utf8').replace(/\r$/, '');
        parts = [];
        size = 0;
        lineNo++;
        start = nl + 1;
      }
      size += chunk.length - start;
      if (size > maxBytes) throw tooLong();
      parts.push(chunk.subarray(start));
    }
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError(`cannot read ${file}: ${(err as Error).message}`);
  } finally {
    stream.destroy();
  }
  if (size) yield Buffer.concat(parts).toString('utf8').replace(/\r$/, '');
}

function parseJson(line: string, file: string, lineNo: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new ValidationError(`${file}:${lineNo}: not JSON`);
  }
}
