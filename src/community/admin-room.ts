// The admin room: where the admins listed in the config talk to the bot. It
// never federates, since what is said there concerns this server only.
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import type { CommunityRoomsStore } from '../store/community-rooms-store.ts';

export const ADMIN_ROOM_ROLE = 'admin';

export interface AdminRoomOptions {
  client: HomeserverClient;
  rooms: CommunityRoomsStore;
  communityName: string;
  admins: readonly string[];
  log: Logger;
  now: () => number;
}

export async function ensureAdminRoom(options: AdminRoomOptions): Promise<string> {
  const existing = await options.rooms.roomFor(ADMIN_ROOM_ROLE);
  if (existing) return existing;
  const roomId = await options.client.createRoom({
    name: `${options.communityName} admin room`,
    topic: 'Admins talk to Hearth here. Say !help for the commands. Local only: never leaves this server.',
    preset: 'private_chat',
    room_version: '12',
    invite: [...options.admins],
    creation_content: { 'm.federate': false },
  });
  await options.rooms.record(ADMIN_ROOM_ROLE, roomId, options.now());
  options.log.info('created the admin room', { room_id: roomId, admins: options.admins.length });
  return roomId;
}
