// Finds a room Hearth created by the key it wrote into the room's m.room.create.
// Used after a crash between creating a room and recording its ID.
import type { HomeserverClient } from './client.ts';

export const CREATION_KEY_FIELD = 'org.hearth.creation_key';

export async function findRoomCreatedWithKey(client: HomeserverClient, key: string): Promise<string | null> {
  for (const roomId of await client.joinedRooms()) {
    const create = await client.getStateEvent(roomId, 'm.room.create', '');
    if (create?.[CREATION_KEY_FIELD] === key) return roomId;
  }
  return null;
}
