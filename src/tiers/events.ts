// How the tiers domain reacts to events: a change to tier-defining state in a
// managed room sends that room to the reconciler; a join or an invitation the
// room's tier does not allow is undone at once; and a person kicked or banned
// from the space by someone else stops being a member and is removed from
// every local and neighborhood room.
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import type { MatrixEvent } from '../matrix/event.ts';
import type { EventRouter } from '../matrix/inbox/router.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { RemovedMembersStore } from '../store/members-store.ts';
import type { CommunityFacts } from './facts.ts';
import { isCommunityMember } from '../community/members.ts';
import { TIER_DEFINING_TYPES, withEncryptionFromState } from './policy.ts';
import type { Reconciler } from './reconciler.ts';
import { eventDrifts } from './repairs.ts';

export interface TierEventsOptions {
  client: HomeserverClient;
  rooms: ManagedRoomsStore;
  facts: () => Promise<CommunityFacts>;
  reconciler: Reconciler;
  notify: NotifyAdmins;
  log: Logger;
  members: Pick<RemovedMembersStore, 'markRemoved' | 'clearRemoved'>;
  isOwnBot: (userId: string) => boolean;
  now?: () => number;
}

export function registerTierEvents(router: EventRouter, o: TierEventsOptions): void {
  const repairIfManaged = async (event: MatrixEvent): Promise<void> => {
    if (event.state_key === undefined) return;
    const row = await o.rooms.byRoomId(event.room_id);
    if (!row) return;
    const room = { roomId: event.room_id, role: row.role, tier: row.tier, name: row.name, encrypted: row.encrypted };
    const state = { type: event.type, state_key: event.state_key, sender: event.sender, event_id: event.event_id, content: event.content };
    // A room that became encrypted is reconciled so that its record learns it.
    const newlyEncrypted = event.type === 'm.room.encryption' && withEncryptionFromState(room, event.content).encrypted && !row.encrypted;
    if (!newlyEncrypted && !eventDrifts(room, await o.facts(), state)) return;
    await o.reconciler.reconcileRoom(event.room_id, { kind: 'event', sender: event.sender });
  };
  router.on('m.room.server_acl', (event) => {
    if (event.state_key === '') o.reconciler.noteAcl(event.room_id, event.content);
    return Promise.resolve();
  });
  for (const type of [...TIER_DEFINING_TYPES, 'm.space.child']) router.on(type, repairIfManaged);
  router.on('m.room.member', async (event) => {
    await followSpaceMembership(event, o);
    await undoDisallowedMembership(event, o);
  });
}

/** A join or an invitation the room's tier does not allow is undone at once, with a neutral reason. */
async function undoDisallowedMembership(event: MatrixEvent, o: TierEventsOptions): Promise<void> {
  const membership = event.content.membership;
  if (event.state_key === undefined || (membership !== 'join' && membership !== 'invite')) return;
  if (!(await o.rooms.byRoomId(event.room_id))) return;
  await o.reconciler.reconcileMembers(event.room_id, { kind: 'event', sender: event.sender }, [{ userId: event.state_key, membership }]);
}

/**
 * The space is the community: someone else kicking or banning a member from
 * it removes them (leaving by oneself removes nobody from anything), and an
 * admin inviting them back makes them a member again.
 */
async function followSpaceMembership(event: MatrixEvent, o: TierEventsOptions): Promise<void> {
  const userId = event.state_key;
  if (userId === undefined) return;
  const facts = await o.facts();
  if (event.room_id !== facts.spaceId || !isCommunityMember(userId, facts.serverName, o.isOwnBot)) return;
  const membership = event.content.membership;
  const byAnother = event.sender !== userId && !o.isOwnBot(event.sender);
  if ((membership === 'leave' || membership === 'ban') && byAnother) {
    await o.members.markRemoved(userId, event.sender, (o.now ?? Date.now)());
    o.log.info('a member was removed from the space', { user_id: userId, by: event.sender, membership });
    await o.notify(`${userId} was ${membership === 'ban' ? 'banned' : 'kicked'} from the space by ${event.sender}, so is no longer a member: Hearth removes them from every local and neighborhood room.`);
    await removeEverywhere(userId, event.sender, o);
    return;
  }
  const readmitted = membership === 'invite' && (facts.admins.includes(event.sender) || o.isOwnBot(event.sender));
  if (readmitted && (await o.members.clearRemoved(userId))) {
    await o.notify(`${userId} is a member again: ${event.sender} invited them back into the space.`);
  }
}

/** Every local and neighborhood room the person is still in or invited to, as the homeserver says now. */
async function removeEverywhere(userId: string, by: string, o: TierEventsOptions): Promise<void> {
  for (const room of await o.rooms.all()) {
    if (!room.roomId || room.tier === 'public') continue;
    const membership = (await o.client.getStateEvent(room.roomId, 'm.room.member', userId))?.membership;
    if (membership !== 'join' && membership !== 'invite') continue;
    await o.reconciler.reconcileMembers(room.roomId, { kind: 'event', sender: by }, [{ userId, membership }]);
  }
}
