// Room history: the last N messages of a room in one capped list. LPUSH puts the newest at the head and
// LTRIM cuts the tail in the same MULTI, so the list never holds more than N, whatever the traffic.
import type { RedisClient } from '../../../shared/redis-client';
import type { KeyBuilder } from '../../../shared/keys';
import type { ChatMessage } from './protocol';

export const DEFAULT_HISTORY_SIZE = 50;

export interface RoomHistory {
  /** Stores a message, keeping only the room's newest `size`. */
  push(room: string, message: ChatMessage): Promise<void>;
  /** The newest `count` messages (at most `size`), oldest first: the order a joining user reads them. */
  recent(room: string, count?: number): Promise<ChatMessage[]>;
  readonly size: number;
}

export function createRoomHistory(redis: RedisClient, keys: KeyBuilder, size = DEFAULT_HISTORY_SIZE): RoomHistory {
  const keyOf = (room: string) => keys.key('history', room);
  return {
    size,
    async push(room, message) {
      await redis
        .multi()
        .lpush(keyOf(room), JSON.stringify(message))
        .ltrim(keyOf(room), 0, size - 1)
        .exec();
    },
    async recent(room, count = size) {
      const n = Math.max(0, Math.min(count, size));
      if (n === 0) return [];
      const items = await redis.lrange(keyOf(room), 0, n - 1);
      // Stored newest first (LPUSH); a reader wants the conversation in the order it happened.
      return items.reverse().map((s) => JSON.parse(s) as ChatMessage);
    },
  };
}
