// Gathers the facts the tier policy decides from, fresh for every decision:
// they are a handful of small reads, and stale facts would mean a stale ACL.
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { ServerListsStore } from '../store/server-lists-store.ts';
import type { CommunityFacts } from './facts.ts';

/** `admins` is read at every call: `!admin add` changes it in place. `formerAdmins`: those `!admin remove` took out. */
export function communityFacts(
  serverName: string, admins: readonly string[], botLocalpart: string, rooms: ManagedRoomsStore, lists: ServerListsStore,
  formerAdmins: () => readonly string[] = () => [],
) {
  return async (): Promise<CommunityFacts> => {
    const { neighbors, defederated } = await lists.both();
    return {
      serverName,
      admins: [...admins],
      formerAdmins: formerAdmins(),
      botLocalpart,
      spaceId: (await rooms.byCreationKey('space'))?.roomId ?? null,
      neighbors: neighbors.filter((server) => server !== serverName),
      defederated,
    };
  };
}
