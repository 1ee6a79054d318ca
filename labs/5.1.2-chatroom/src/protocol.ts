// The wire protocol between chat clients and servers: JSON frames over one WebSocket, validated with zod.
// The same event shapes travel over Redis pub/sub between servers, so a server only re-sends them.
import { z } from 'zod';

/** Text longer than this is refused with an error frame (the socket stays open). */
export const MAX_TEXT_LENGTH = 1000;
/** Room names: short lowercase slugs. A server also has its configured list; anything else is unknown. */
export const ROOM_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const DEFAULT_ROOMS = ['general', 'random', 'redis'] as const;

const room = z.string().regex(ROOM_NAME, 'room names are 1-32 of a-z, 0-9 and -');

/** Everything a client may send. */
export const ClientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('join'), room }),
  z.object({ type: z.literal('leave'), room }),
  z.object({
    type: z.literal('message'),
    room,
    text: z
      .string()
      .trim()
      .min(1, 'empty message')
      .max(MAX_TEXT_LENGTH, `messages are at most ${MAX_TEXT_LENGTH} characters`),
  }),
  z.object({ type: z.literal('who'), room }),
  /** Keeps this user present in every joined room (see presence.ts). */
  z.object({ type: z.literal('heartbeat') }),
  /** Application-level ping, answered by the server itself: proves the socket is alive and usable. */
  z.object({ type: z.literal('ping') }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

export interface ChatMessage {
  type: 'message';
  id: string;
  room: string;
  user: string;
  text: string;
  /** Server clock, ms since the epoch. */
  ts: number;
}

/** Events published on a room's channel: every server forwards them to its sockets in that room. */
export type RoomEvent =
  | ChatMessage
  | { type: 'join'; room: string; user: string; ts: number }
  | { type: 'leave'; room: string; user: string; ts: number; reason: 'left' | 'disconnected' | 'timeout' };

/** Frames only the server sends, to one socket. */
export type ServerFrame =
  | RoomEvent
  | { type: 'welcome'; user: string; rooms: string[]; heartbeatMs: number }
  | { type: 'joined'; room: string; history: ChatMessage[]; online: string[] }
  | { type: 'left'; room: string }
  | { type: 'presence'; room: string; online: string[] }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string };
