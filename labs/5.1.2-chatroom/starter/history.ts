// Starter: room history, left for you. The newest message goes to the head of a list with LPUSH, and LTRIM
// keeps only the first `size` items, both in one MULTI. `recent` reads with LRANGE and returns the
// messages oldest first. Key: `keys.key('history', room)`.
import type { RedisClient } from '../../../shared/redis-client';
import { NotImplementedError } from '../../../shared/errors';
import type { KeyBuilder } from '../../../shared/keys';
// Types only from src/: at run time every import of src/history lands in this very file.
import type { RoomHistory } from '../src/history';

export type { RoomHistory };
export const DEFAULT_HISTORY_SIZE = 50;

export function createRoomHistory(_redis: RedisClient, _keys: KeyBuilder, size = DEFAULT_HISTORY_SIZE): RoomHistory {
  return {
    size,
    push: async () => {
      throw new NotImplementedError('exercise 2: push a message into the capped history (LPUSH + LTRIM in one MULTI)');
    },
    recent: async () => {
      throw new NotImplementedError('exercise 2: read the newest messages, oldest first (LRANGE)');
    },
  };
}
