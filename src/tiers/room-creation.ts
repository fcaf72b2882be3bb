// Creates a managed room exactly once. The intent is recorded first, under a
// key that also goes into the room's m.room.create; if Hearth stops between
// creating the room and recording its ID, the next attempt finds the room by
// that key instead of creating a second one.
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import { findRoomCreatedWithKey } from '../matrix/room-lookup.ts';
import { createRoomRequest, type RoomSpec } from './creation.ts';
import type { CommunityFacts } from './facts.ts';

export interface RoomCreatorOptions {
  client: HomeserverClient;
  rooms: ManagedRoomsStore;
  facts: () => Promise<CommunityFacts>;
  /** Called with each newly created room, e.g. to list it in the space. */
  afterCreate: (roomId: string) => Promise<void>;
  log: Logger;
  now: () => number;
}

export function roomCreator(options: RoomCreatorOptions) {
  return async function ensureRoom(spec: RoomSpec): Promise<string> {
    const { client, rooms, log } = options;
    const existing = await rooms.byCreationKey(spec.creationKey);
    if (existing?.roomId) return existing.roomId;
    if (existing) {
      const found = await findRoomCreatedWithKey(client, spec.creationKey);
      if (found) {
        await rooms.recordCreated(spec.creationKey, found);
        log.info('found a room whose creation was interrupted', { room_id: found, creation_key: spec.creationKey });
        await options.afterCreate(found);
        return found;
      }
    } else {
      await rooms.recordIntent({ ...spec.room, creationKey: spec.creationKey, requestedBy: spec.requester, createdAt: options.now() });
    }
    const roomId = await client.createRoom(createRoomRequest(spec, await options.facts()));
    await rooms.recordCreated(spec.creationKey, roomId);
    log.info('created a managed room', { room_id: roomId, role: spec.room.role, tier: spec.room.tier });
    await options.afterCreate(roomId);
    return roomId;
  };
}

export type EnsureRoom = ReturnType<typeof roomCreator>;
