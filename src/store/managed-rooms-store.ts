// The rooms Hearth manages. A row is written before its room is created
// (pending: no room_id yet) so that a creation interrupted by a crash is
// resumed, never repeated.
import type { RoomRole, Tier } from '../tiers/tier.ts';
import type { Database } from './database.ts';
import { byCodePoint } from '../text/order.ts';

export interface ManagedRoomRow {
  creationKey: string;
  roomId: string | null;
  role: RoomRole;
  tier: Tier;
  name: string;
  /** Whether the room is end-to-end encrypted: once true, never false again. */
  encrypted: boolean;
  requestedBy: string | null;
  createdAt: number;
}

export interface ManagedRoomsStore {
  byCreationKey(key: string): Promise<ManagedRoomRow | null>;
  byRoomId(roomId: string): Promise<ManagedRoomRow | null>;
  /** Every room that exists (pending creations excluded), oldest first. */
  all(): Promise<ManagedRoomRow[]>;
  /** The rooms a user asked for, pending creations included. */
  requestedBy(userId: string): Promise<ManagedRoomRow[]>;
  /** Records the intent to create a room; a key recorded before is left as it is. */
  recordIntent(row: Omit<ManagedRoomRow, 'roomId'>): Promise<void>;
  recordCreated(key: string, roomId: string): Promise<void>;
  setTier(roomId: string, tier: Tier): Promise<void>;
  markEncrypted(roomId: string): Promise<void>;
}

interface Row {
  creation_key: string;
  room_id: string | null;
  role: RoomRole;
  tier: Tier;
  name: string;
  encrypted: boolean | number;
  requested_by: string | null;
  created_at: number | string;
}

function fromRow(row: Row): ManagedRoomRow {
  return {
    creationKey: row.creation_key,
    roomId: row.room_id,
    role: row.role,
    tier: row.tier,
    name: row.name,
    // SQLite has no boolean type and answers 0 or 1.
    encrypted: Boolean(row.encrypted),
    requestedBy: row.requested_by,
    createdAt: Number(row.created_at),
  };
}

/**
 * Every decision about a room starts by looking the room up, so the table
 * (a few hundred rows at most) is kept in memory, read once and updated by
 * this store's own writes. Hearth makes one such store per process.
 */
export function createManagedRoomsStore(db: Database): ManagedRoomsStore {
  const rooms = () => db<Row>('managed_rooms');
  let cache: Promise<Map<string, ManagedRoomRow>> | null = null;
  const cached = (): Promise<Map<string, ManagedRoomRow>> => {
    cache ??= rooms().select().then((rows) => new Map(rows.map((row) => [row.creation_key, fromRow(row)])));
    return cache;
  };
  const forget = (): void => { cache = null; };
  return {
    async byCreationKey(key) {
      return (await cached()).get(key) ?? null;
    },
    async byRoomId(roomId) {
      for (const row of (await cached()).values()) if (row.roomId === roomId) return row;
      return null;
    },
    async all() {
      return [...(await cached()).values()]
        .filter((row) => row.roomId !== null)
        .sort((a, b) => a.createdAt - b.createdAt || byCodePoint(a.creationKey, b.creationKey));
    },
    async requestedBy(userId) {
      return [...(await cached()).values()].filter((row) => row.requestedBy === userId);
    },
    async recordIntent(row) {
      await rooms()
        .insert({
          creation_key: row.creationKey,
          role: row.role,
          tier: row.tier,
          name: row.name,
          encrypted: row.encrypted,
          requested_by: row.requestedBy,
          created_at: row.createdAt,
        })
        .onConflict('creation_key')
        .ignore();
      forget();
    },
    async recordCreated(key, roomId) {
      await rooms().where({ creation_key: key }).update({ room_id: roomId });
      forget();
    },
    async setTier(roomId, tier) {
      await rooms().where({ room_id: roomId }).update({ tier });
      forget();
    },
    async markEncrypted(roomId) {
      await rooms().where({ room_id: roomId }).update({ encrypted: true });
      forget();
    },
  };
}
