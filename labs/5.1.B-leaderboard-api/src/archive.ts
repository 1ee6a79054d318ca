// Admin reset with an archive of the final standings, in PostgreSQL. Why Postgres and not a Redis list:
// archives are cold, append-only, grow without bound and are looked up by game/board/period; a table
// keeps them out of Redis memory, survives a Redis flush, and can be queried. The order is
//   1. RENAME the live board to its archiving key (reset.lua): the standings freeze, play goes on;
//   2. copy the frozen standings into Postgres in one transaction;
//   3. delete the archiving key.
// If step 2 fails, restore.lua merges the standings back (nothing lost) and the API answers 503.
// While step 2 runs (a lock with a TTL), a second reset of the same board gets 409; a parked board
// without the lock (a RENAME that ran after the API gave up in a stall) is merged back by the next reset.
import type { RedisClient } from '../../../shared/redis-client';
import type pg from 'pg';
import { AppError, ConflictError } from '../../../shared/errors';
import { luaCommand } from '../../../shared/lua';
import type { Entry } from './cursor';
import type { LbKeys } from './keys';
import { currentPeriod, expireAt, type BoardName } from './periods';

export interface ArchiveSummary {
  id: number;
  game: string;
  board: BoardName;
  period: string;
  resetAt: string;
  players: number;
}

export interface Archive extends ArchiveSummary {
  standings: Entry[];
}

export async function ensureArchiveTables(pool: pg.Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS lb_archive (
      id bigserial PRIMARY KEY,
      game text NOT NULL,
      board text NOT NULL,
      period text NOT NULL,
      reset_at timestamptz NOT NULL,
      players int NOT NULL
    );
    CREATE TABLE IF NOT EXISTS lb_archive_entry (
      archive_id bigint NOT NULL REFERENCES lb_archive (id) ON DELETE CASCADE,
      rank int NOT NULL,
      player text NOT NULL,
      score double precision NOT NULL,
      PRIMARY KEY (archive_id, rank)
    );`);
}

/** A reset holds its lock this long at most: longer than an archive write takes. */
const RESET_LOCK_MS = 60_000;

export type ResetBoard = (game: string, board: BoardName) => Promise<ArchiveSummary>;

export function createResetter(redis: RedisClient, pool: pg.Pool, keys: LbKeys, now: () => number): ResetBoard {
  const park = luaCommand<number>(redis, 'lbapi_reset', new URL('./reset.lua', import.meta.url), 3);
  const restore = luaCommand<number>(redis, 'lbapi_restore', new URL('./restore.lua', import.meta.url), 2);
  return async (game, board) => {
    const at = now();
    const period = currentPeriod(board, at).name;
    const live = keys.board(game, board, period);
    const parked = keys.archiving(game, board, period);
    const lock = keys.resetLock(game, board, period);
    const expiry = expireAt(board, at) ?? '';
    if ((await park([live, parked, lock], [RESET_LOCK_MS, expiry])) === -1) throw new ConflictError(`a reset of the ${board} board is already under way`, { board, period });
    let summary: ArchiveSummary;
    try {
      summary = await saveArchive(pool, game, board, period, new Date(at), await redis.zrevrange(parked, 0, -1, 'WITHSCORES'));
    } catch (err) {
      await restore([live, parked], [expiry]);
      await redis.del(lock);
      throw new AppError(503, 'archive_unavailable', 'the archive could not be written; the board was left as it was', { cause: (err as Error).message });
    }
    await redis.del(parked, lock);
    await redis.publish(keys.channel(game), JSON.stringify({ type: 'reset', game, board, period, archiveId: summary.id }));
    return summary;
  };
}

async function saveArchive(pool: pg.Pool, game: string, board: BoardName, period: string, resetAt: Date, flat: string[]): Promise<ArchiveSummary> {
  const players: string[] = [];
  const scores: number[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    players.push(flat[i]!);
    scores.push(Number(flat[i + 1]));
  }
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ id: string }>(
      'INSERT INTO lb_archive (game, board, period, reset_at, players) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [game, board, period, resetAt, players.length],
    );
    const id = Number(rows[0]!.id);
    await client.query(
      `INSERT INTO lb_archive_entry (archive_id, rank, player, score)
       SELECT $1, t.ord, t.player, t.score FROM unnest($2::text[], $3::float8[]) WITH ORDINALITY AS t(player, score, ord)`,
      [id, players, scores],
    );
    await client.query('COMMIT');
    return { id, game, board, period, resetAt: resetAt.toISOString(), players: players.length };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

type ArchiveRow = { id: string; game: string; board: BoardName; period: string; reset_at: Date; players: number };
const toSummary = (r: ArchiveRow): ArchiveSummary => ({ id: Number(r.id), game: r.game, board: r.board, period: r.period, resetAt: r.reset_at.toISOString(), players: r.players });

export async function listArchives(pool: pg.Pool, game: string, limit: number): Promise<ArchiveSummary[]> {
  const { rows } = await pool.query<ArchiveRow>('SELECT * FROM lb_archive WHERE game = $1 ORDER BY id DESC LIMIT $2', [game, limit]);
  return rows.map(toSummary);
}

export async function getArchive(pool: pg.Pool, game: string, id: number): Promise<Archive | undefined> {
  const { rows } = await pool.query<ArchiveRow>('SELECT * FROM lb_archive WHERE game = $1 AND id = $2', [game, id]);
  if (!rows[0]) return undefined;
  const entries = await pool.query<{ rank: number; player: string; score: number }>(
    'SELECT rank, player, score FROM lb_archive_entry WHERE archive_id = $1 ORDER BY rank',
    [id],
  );
  return { ...toSummary(rows[0]), standings: entries.rows };
}

/** Demo/bench clean-up. */
export async function deleteArchives(pool: pg.Pool, game: string): Promise<void> {
  const { rows } = await pool.query<{ exists: boolean }>("SELECT to_regclass('lb_archive') IS NOT NULL AS exists");
  if (rows[0]?.exists) await pool.query('DELETE FROM lb_archive WHERE game = $1', [game]);
}
