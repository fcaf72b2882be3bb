// Gathers the facts the tier policy decides from, fresh for every decision:
// they are a handful of small reads, and stale facts would mean a stale ACL.
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { ServerListsStore } from '../store/server-lists-store.ts';
import type { CommunityFacts } from './facts.ts';

export function communityFacts(serverName: string, admins: readonly string[], botLocalpart: string, rooms: ManagedRoomsStore, lists: ServerListsStore) {
  return async (): Promise<CommunityFacts> => {
    const { neighbors, defederated } = await lists.both();
    return {
      serverName,
      admins,
      botLocalpart,
      spaceId: (await rooms.byCreationKey('space'))?.roomId ?? null,
      neighbors: neighbors.filter((server) => server !== serverName),
      defederated,
    };
  };
}
