// The community's default rooms: the space, the admin room, the local
// timeline and the two squares. Created once, in an order where each room's
// policy can rely on the ones before it (local rooms admit the space's members).
import type { Config } from '../config/schema.ts';
import type { EnsureRoom } from './room-creation.ts';
import { encryptedByDefault } from './encryption-defaults.ts';
import type { RoomRole, Tier } from './tier.ts';

export interface DefaultRoom {
  role: Exclude<RoomRole, 'topic'>;
  tier: Tier;
  name: string;
  encrypted: boolean;
}

export function defaultRooms(config: Config): DefaultRoom[] {
  const community = config.community.name;
  const rooms: Omit<DefaultRoom, 'encrypted'>[] = [
    { role: 'space', tier: 'local', name: community },
    { role: 'admin', tier: 'local', name: `${community} admin room` },
    { role: 'local_timeline', tier: 'local', name: config.tiers.local_timeline_name },
    { role: 'neighborhood_square', tier: 'neighborhood', name: config.tiers.neighborhood_square_name },
    { role: 'public_square', tier: 'public', name: config.tiers.public_square_name },
  ];
  return rooms.map((room) => ({ ...room, encrypted: encryptedByDefault(config, room.role, room.tier) }));
}

/** Ensures every default room exists; returns their IDs by role. */
export async function ensureCommunity(config: Config, ensureRoom: EnsureRoom): Promise<Map<RoomRole, string>> {
  const ids = new Map<RoomRole, string>();
  for (const room of defaultRooms(config)) {
    // The default rooms' creation keys are their roles: one of each, ever.
    ids.set(room.role, await ensureRoom({ creationKey: room.role, room, requester: null }));
  }
  return ids;
}
