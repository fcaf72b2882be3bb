// The DM room each of Hearth's bots keeps with each member: created once, then reused.
import type { Database } from './database.ts';

export interface DirectRoomsStore {
  roomFor(botUserId: string, userId: string): Promise<{ roomId: string | null } | null>;
  recordIntent(botUserId: string, userId: string, now: number): Promise<void>;
  recordCreated(botUserId: string, userId: string, roomId: string): Promise<void>;
  forget(botUserId: string, userId: string): Promise<void>;
  userInRoom(botUserId: string, roomId: string): Promise<string | null>;
  /** The existing DM rooms of a bot, by member. */
  roomsOf(botUserId: string): Promise<Map<string, string>>;
}

export function createDirectRoomsStore(db: Database): DirectRoomsStore {
  const rows = () => db<{ bot_user_id: string; user_id: string; room_id: string | null; created_at: number }>('direct_rooms');
  return {
    async roomFor(botUserId, userId) {
      const row = await rows().where({ bot_user_id: botUserId, user_id: userId }).first('room_id');
      return row ? { roomId: row.room_id } : null;
    },
    async recordIntent(botUserId, userId, now) {
      await rows().insert({ bot_user_id: botUserId, user_id: userId, created_at: now }).onConflict(['bot_user_id', 'user_id']).ignore();
    },
    async recordCreated(botUserId, userId, roomId) {
      await rows().where({ bot_user_id: botUserId, user_id: userId }).update({ room_id: roomId });
    },
    async forget(botUserId, userId) {
      await rows().where({ bot_user_id: botUserId, user_id: userId }).delete();
    },
    async roomsOf(botUserId) {
      const found = await rows().where({ bot_user_id: botUserId }).whereNotNull('room_id').select('user_id', 'room_id');
      return new Map(found.map((r) => [r.user_id, r.room_id ?? '']));
    },
    async userInRoom(botUserId, roomId) {
      return (await rows().where({ bot_user_id: botUserId, room_id: roomId }).first('user_id'))?.user_id ?? null;
    },
  };
}
