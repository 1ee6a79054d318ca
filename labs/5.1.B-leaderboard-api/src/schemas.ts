// Every input and output schema, once: the routes validate with them and the OpenAPI document at
// /openapi.json (Swagger UI at /docs) is generated from the same objects.
import { OpenAPIRegistry, z } from '../../../shared/openapi';
import { BOARDS } from './periods';

export const GameId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lowercase letters, digits and dashes, 1-32 characters').openapi({ example: 'space-race' });
export const PlayerId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . -, 1-64 characters').openapi({ example: 'ada' });
export const Board = z.enum(BOARDS).openapi({ description: 'daily (UTC day), weekly (ISO week) or alltime' });
const Period = z.string().regex(/^(\d{4}-\d{2}-\d{2}|\d{4}-W\d{2}|all)$/, 'YYYY-MM-DD, YYYY-Www or all').openapi({ example: '2026-11-23', description: 'the current period by default; the previous one can still be read' });

export const GameParams = z.object({ game: GameId });
export const BoardParams = z.object({ game: GameId, board: Board });
export const PlayerParams = z.object({ game: GameId, player: PlayerId });
export const AroundParams = z.object({ game: GameId, board: Board, player: PlayerId });
export const ArchiveParams = z.object({ game: GameId, id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

export const SubmitBody = z.strictObject({
  player: PlayerId,
  score: z.number().int().min(0).max(1e12).openapi({ example: 4200 }),
});
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  cursor: z.string().min(1).max(512).optional().openapi({ description: 'nextCursor of the previous page' }),
  period: Period.optional(),
});
export const AroundQuery = z.object({ n: z.coerce.number().int().min(1).max(25).default(5), period: Period.optional() });
export const HistoryQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });
export const EventsQuery = z.object({ n: z.coerce.number().int().min(1).max(10).default(10) });
export const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

const Entry = z.object({ rank: z.number().int(), player: z.string(), score: z.number() });
const Standing = z.object({ period: z.string(), score: z.number(), rank: z.number().int(), improved: z.boolean() });
const BoardRanks = <T extends z.ZodType>(t: T) => z.object({ daily: t, weekly: t, alltime: t });
export const SubmitResponse = z.object({ game: z.string(), player: z.string(), score: z.number(), games: z.number().int(), best: z.number(), boards: BoardRanks(Standing) }).openapi('SubmitResult');
export const PageResponse = z.object({ game: z.string(), board: Board, period: z.string(), entries: z.array(Entry), nextCursor: z.string().nullable() }).openapi('Page');
export const AroundResponse = z.object({ game: z.string(), board: Board, period: z.string(), player: z.string(), rank: z.number().int(), score: z.number(), entries: z.array(Entry.extend({ me: z.boolean() })) }).openapi('Around');
export const StatsResponse = z.object({ game: z.string(), player: z.string(), best: z.number(), games: z.number().int(), lastScore: z.number(), lastAt: z.string(), ranks: BoardRanks(z.object({ period: z.string(), rank: z.number().int(), score: z.number() }).nullable()) }).openapi('PlayerStats');
export const HistoryResponse = z.object({ game: z.string(), player: z.string(), history: z.array(z.object({ score: z.number(), at: z.string(), ranks: BoardRanks(z.number().int()) })) }).openapi('History');
const ArchiveSummary = z.object({ id: z.number().int(), game: z.string(), board: Board, period: z.string(), resetAt: z.string(), players: z.number().int() });
export const ArchiveSummaryResponse = ArchiveSummary.openapi('ArchiveSummary');
export const ArchiveListResponse = z.object({ archives: z.array(ArchiveSummary) }).openapi('ArchiveList');
export const ArchiveResponse = ArchiveSummary.extend({ standings: z.array(Entry) }).openapi('Archive');
export const ErrorResponse = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) }).openapi('Error');

export function openApiRegistry(): OpenAPIRegistry {
  const r = new OpenAPIRegistry();
  const auth = r.registerComponent('securitySchemes', 'apiKey', { type: 'apiKey', in: 'header', name: 'x-api-key' });
  const jwt = r.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
  const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, json(ErrorResponse, `error (${c})`)]));
  r.registerPath({ method: 'post', path: '/games/{game}/scores', summary: 'Submit a score: updates the daily, weekly and all-time boards atomically', request: { params: GameParams, body: { content: { 'application/json': { schema: SubmitBody } } } }, responses: { 201: json(SubmitResponse, 'the player\'s new standings'), ...errors(400) } });
  r.registerPath({ method: 'get', path: '/games/{game}/boards/{board}', summary: 'A page of a board, best first; follow nextCursor for the next page', request: { params: BoardParams, query: PageQuery }, responses: { 200: json(PageResponse, 'one page'), ...errors(400, 404) } });
  r.registerPath({ method: 'get', path: '/games/{game}/boards/{board}/around/{player}', summary: 'Rank around me: n players above and below', request: { params: AroundParams, query: AroundQuery }, responses: { 200: json(AroundResponse, 'the window'), ...errors(400, 404) } });
  r.registerPath({ method: 'get', path: '/games/{game}/boards/{board}/events', summary: 'Server-Sent Events: a snapshot, then every change of the top n (event: top) and resets (event: reset)', request: { params: BoardParams, query: EventsQuery }, responses: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } }, ...errors(400) } });
  r.registerPath({ method: 'post', path: '/games/{game}/boards/{board}/reset', summary: 'Admin: archive the board\'s final standings (PostgreSQL), then reset it', security: [{ [auth.name]: [] }, { [jwt.name]: [] }], request: { params: BoardParams }, responses: { 200: json(ArchiveSummaryResponse, 'the archive written'), ...errors(400, 401, 403, 409, 503) } });
  r.registerPath({ method: 'get', path: '/games/{game}/archives', summary: 'Archived standings, newest first', request: { params: GameParams, query: ListQuery }, responses: { 200: json(ArchiveListResponse, 'archives'), ...errors(400) } });
  r.registerPath({ method: 'get', path: '/games/{game}/archives/{id}', summary: 'One archive with its standings', request: { params: ArchiveParams }, responses: { 200: json(ArchiveResponse, 'the archive'), ...errors(400, 404) } });
  r.registerPath({ method: 'get', path: '/games/{game}/players/{player}', summary: 'Player statistics: best score, games played, current ranks', request: { params: PlayerParams }, responses: { 200: json(StatsResponse, 'statistics'), ...errors(400, 404) } });
  r.registerPath({ method: 'get', path: '/games/{game}/players/{player}/history', summary: 'The player\'s last scores and the ranks they reached (capped)', request: { params: PlayerParams, query: HistoryQuery }, responses: { 200: json(HistoryResponse, 'history, newest first'), ...errors(400, 404) } });
  return r;
}
