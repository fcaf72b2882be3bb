// Other servers' neighborhood rooms that their Hearth invited this server's bot to.
import type { Database } from './database.ts';

export type NeighborRoomStatus = 'invited' | 'joined';

export interface NeighborRoom {
  roomId: string;
  server: string;
  creationKey: string | null;
  status: NeighborRoomStatus;
}

export interface NeighborRoomsStore {
  all(): Promise<NeighborRoom[]>;
  joined(): Promise<NeighborRoom[]>;
  /** Records an invitation; a room already joined stays joined. */
  invited(room: Omit<NeighborRoom, 'status'>, now: number): Promise<void>;
  markJoined(roomId: string, now: number): Promise<void>;
  forget(roomId: string): Promise<void>;
}

interface Row {
  room_id: string;
  server: string;
  creation_key: string | null;
  status: NeighborRoomStatus;
  updated_at: number | string;
}

function fromRow(row: Row): NeighborRoom {
  return { roomId: row.room_id, server: row.server, creationKey: row.creation_key, status: row.status };
}

export function createNeighborRoomsStore(db: Database): NeighborRoomsStore {
  const rows = () => db<Row>('neighbor_rooms');
  return {
    async all() {
      return (await rows().orderBy('room_id')).map(fromRow);
    },
    async joined() {
      return (await rows().where({ status: 'joined' }).orderBy('room_id')).map(fromRow);
    },
    async invited(room, now) {
      await rows()
        .insert({ room_id: room.roomId, server: room.server, creation_key: room.creationKey, status: 'invited', updated_at: now })
        .onConflict('room_id')
        .ignore();
    },
    async markJoined(roomId, now) {
      await rows().where({ room_id: roomId }).update({ status: 'joined', updated_at: now });
    },
    async forget(roomId) {
      await rows().where({ room_id: roomId }).delete();
    },
  };
}
