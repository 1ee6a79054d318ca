// The pub/sub bridge: each room is a Redis channel. A server PUBLISHes what its sockets say, and holds ONE
// subscriber connection on which it SUBSCRIBEs to every room one of its sockets is in. Any number of
// server processes then share rooms, because every message goes through Redis, never through memory.
import type { RedisClient } from '../../../shared/redis-client';
import type { KeyBuilder } from '../../../shared/keys';
import type { RoomEvent } from './protocol';

/** Gets each event once, parsed, plus the raw bytes to forward as they are (encode once, send N times). */
export type RoomListener = (event: RoomEvent, raw: Buffer) => void;

export interface RoomBridge {
  /** PUBLISHes `event` on the room's channel; resolves to how many subscriber connections got it. */
  publish(room: string, event: RoomEvent): Promise<number>;
  /**
   * Delivers the room's events to `listener` until the returned function is called. The first listener of
   * a room SUBSCRIBEs (resolved once Redis confirms), the last one to go UNSUBSCRIBEs.
   */
  subscribe(room: string, listener: RoomListener): Promise<() => Promise<void>>;
  /** Rooms this process is subscribed to. */
  rooms(): string[];
  /** Unsubscribes from everything and stops listening (the connections stay the caller's). */
  close(): Promise<void>;
}

/**
 * @param redis a normal connection, for PUBLISH
 * @param subscriber a connection used only for pub/sub: once it SUBSCRIBEs it can run no other command
 */
export function createRoomBridge(redis: RedisClient, subscriber: RedisClient, keys: KeyBuilder): RoomBridge {
  const channelOf = (room: string) => keys.key('room', room);
  // room -> its local listeners, and the SUBSCRIBE that later subscribers of the same room must await.
  const rooms = new Map<string, { listeners: Set<RoomListener>; subscribed: Promise<unknown> }>();
  const roomOfChannel = new Map<string, string>();

  // 'messageBuffer' hands over the payload as bytes: parsed once here, forwarded unchanged to every socket.
  const onMessage = (channel: Buffer, payload: Buffer) => {
    const room = roomOfChannel.get(channel.toString());
    const entry = room === undefined ? undefined : rooms.get(room);
    if (!entry) return;
    let event: RoomEvent;
    try {
      event = JSON.parse(payload.toString()) as RoomEvent;
    } catch {
      return; // not ours: somebody PUBLISHed garbage on the channel
    }
    for (const listener of entry.listeners) listener(event, payload);
  };
  subscriber.on('messageBuffer', onMessage);

  return {
    publish: (room, event) => redis.publish(channelOf(room), JSON.stringify(event)),

    async subscribe(room, listener) {
      let entry = rooms.get(room);
      if (!entry) {
        const channel = channelOf(room);
        roomOfChannel.set(channel, room);
        entry = { listeners: new Set(), subscribed: subscriber.subscribe(channel) };
        rooms.set(room, entry);
      }
      entry.listeners.add(listener);
      const mine = entry;
      try {
        await mine.subscribed;
      } catch (err) {
        mine.listeners.delete(listener);
        if (rooms.get(room) === mine && mine.listeners.size === 0) rooms.delete(room);
        throw err;
      }
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        mine.listeners.delete(listener);
        if (mine.listeners.size > 0 || rooms.get(room) !== mine) return;
        rooms.delete(room);
        // Commands on one connection run in order, so a SUBSCRIBE sent after this one still wins.
        await subscriber.unsubscribe(channelOf(room));
      };
    },

    rooms: () => [...rooms.keys()],

    async close() {
      subscriber.off('messageBuffer', onMessage);
      const channels = [...rooms.keys()].map(channelOf);
      rooms.clear();
      if (channels.length && subscriber.status === 'ready') await subscriber.unsubscribe(...channels).catch(() => {});
    },
  };
}
