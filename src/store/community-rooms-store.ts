// The rooms Hearth creates for the community, by role (the admin room, and the
// space and default rooms of the tiers).
import type { Database } from './database.ts';

export interface CommunityRoomsStore {
  roomFor(role: string): Promise<string | null>;
  record(role: string, roomId: string, now: number): Promise<void>;
}

export function createCommunityRoomsStore(db: Database): CommunityRoomsStore {
  return {
    async roomFor(role) {
      const row: { room_id: string } | undefined = await db('community_rooms').where({ role }).first('room_id');
      return row?.room_id ?? null;
    },
    async record(role, roomId, now) {
      await db('community_rooms').insert({ role, room_id: roomId, created_at: now });
    },
  };
}
