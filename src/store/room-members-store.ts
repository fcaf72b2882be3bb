// What Hearth sees of room membership and of remote accounts' activity, from
// the events the homeserver pushes: the basis of defederation impact reports
// when Hearth has no admin token.
import type { Database } from './database.ts';

export interface Presence {
  userId: string;
  membership: 'join' | 'invite';
}

export interface RoomMembersStore {
  setMembership(roomId: string, userId: string, membership: string): Promise<void>;
  /** Users currently joined to each of the given rooms. */
  joined(roomIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Users joined to or invited into a room, as far as the events seen so far tell. */
  present(roomId: string): Promise<Presence[]>;
  roomsWithJoinedMembers(userIdsLike: (userId: string) => boolean, roomIds: readonly string[]): Promise<string[]>;
  sawRemoteActivity(userId: string, at: number): Promise<void>;
  lastSeen(userIds: readonly string[]): Promise<Map<string, number>>;
  knownServers(): Promise<string[]>;
}

export function createRoomMembersStore(db: Database): RoomMembersStore {
  const joined = async (roomIds: readonly string[]): Promise<Map<string, string[]>> => {
    const result = new Map<string, string[]>(roomIds.map((id) => [id, []]));
    for (let i = 0; i < roomIds.length; i += 500) {
      const rows: { room_id: string; user_id: string }[] = await db('room_members')
        .whereIn('room_id', roomIds.slice(i, i + 500))
        .andWhere({ membership: 'join' })
        .select('room_id', 'user_id');
      for (const row of rows) result.get(row.room_id)?.push(row.user_id);
    }
    return result;
  };
  return {
    async setMembership(roomId, userId, membership) {
      await db('room_members').insert({ room_id: roomId, user_id: userId, membership }).onConflict(['room_id', 'user_id']).merge({ membership });
    },
    joined,
    async present(roomId) {
      const rows: { user_id: string; membership: 'join' | 'invite' }[] = await db('room_members')
        .where({ room_id: roomId }).whereIn('membership', ['join', 'invite']).orderBy('user_id').select('user_id', 'membership');
      return rows.map((r) => ({ userId: r.user_id, membership: r.membership }));
    },
    async roomsWithJoinedMembers(matches, roomIds) {
      return [...(await joined(roomIds))].filter(([, users]) => users.some(matches)).map(([roomId]) => roomId);
    },
    async sawRemoteActivity(userId, at) {
      // Events can arrive out of order (retries); the latest activity wins.
      await db('remote_activity').insert({ user_id: userId, last_seen_at: at }).onConflict('user_id').merge({ last_seen_at: at }).where('remote_activity.last_seen_at', '<', at);
    },
    async lastSeen(userIds) {
      const unique = [...new Set(userIds)];
      const seen = new Map<string, number>();
      for (let i = 0; i < unique.length; i += 500) {
        const rows = (await db('remote_activity').whereIn('user_id', unique.slice(i, i + 500))) as { user_id: string; last_seen_at: number | string }[];
        for (const row of rows) seen.set(row.user_id, Number(row.last_seen_at));
      }
      return seen;
    },
    async knownServers() {
      const users: { user_id: string }[] = await db('room_members').distinct('user_id');
      return [...new Set(users.map((u) => u.user_id.slice(u.user_id.indexOf(':') + 1)))].sort();
    },
  };
}
