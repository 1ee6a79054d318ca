// Starter: the pub/sub bridge, left for you. `npm run grade 5.1.2 -- --impl starter` shows what is left.
// Each room is a Redis channel (`keys.key('room', room)`). PUBLISH on `redis`; SUBSCRIBE on `subscriber`,
// ONE subscription per room however many local listeners it has, UNSUBSCRIBE when the last one goes.
// Listen with `subscriber.on('messageBuffer', (channel: Buffer, payload: Buffer) => …)`: parse the payload
// once (JSON) and call every listener of that room with (event, payload).
import type { RedisClient } from '../../../shared/redis-client';
import { NotImplementedError } from '../../../shared/errors';
import type { KeyBuilder } from '../../../shared/keys';
// Types only from src/: at run time every import of src/bridge lands in this very file.
import type { RoomBridge, RoomListener } from '../src/bridge';

export type { RoomBridge, RoomListener };

export function createRoomBridge(_redis: RedisClient, _subscriber: RedisClient, _keys: KeyBuilder): RoomBridge {
  return {
    publish: async () => {
      throw new NotImplementedError('exercise 1: publish a room event on its channel (PUBLISH, JSON)');
    },
    subscribe: async () => {
      throw new NotImplementedError('exercise 1: subscribe a listener to a room (one SUBSCRIBE per room, UNSUBSCRIBE after the last)');
    },
    rooms: () => [],
    close: async () => {},
  };
}
