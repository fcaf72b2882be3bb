// The neighborhood council rooms this server's bot has joined.
import type { Database } from './database.ts';

export interface CouncilsStore {
  all(): Promise<string[]>;
  add(roomId: string, now: number): Promise<void>;
  has(roomId: string): Promise<boolean>;
}

export function createCouncilsStore(db: Database): CouncilsStore {
  return {
    async all() {
      const rows: { room_id: string }[] = await db('neighborhood_councils').orderBy('room_id').select('room_id');
      return rows.map((r) => r.room_id);
    },
    async add(roomId, now) {
      await db('neighborhood_councils').insert({ room_id: roomId, joined_at: now }).onConflict('room_id').ignore();
    },
    async has(roomId) {
      return (await db('neighborhood_councils').where({ room_id: roomId }).first()) !== undefined;
    },
  };
}
