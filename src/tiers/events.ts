// How the tiers domain reacts to events: a change to tier-defining state in a
// managed room sends that room to the reconciler, and an invitation the tier
// forbids is withdrawn.
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { serverNameOf, type MatrixEvent } from '../matrix/event.ts';
import type { EventRouter } from '../matrix/inbox/router.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { CommunityFacts } from './facts.ts';
import { mayBeInvited, TIER_DEFINING_TYPES, withEncryptionFromState } from './policy.ts';
import type { Reconciler } from './reconciler.ts';
import { eventDrifts } from './repairs.ts';
import { audienceOf } from './tier.ts';

export interface TierEventsOptions {
  client: HomeserverClient;
  rooms: ManagedRoomsStore;
  facts: () => Promise<CommunityFacts>;
  reconciler: Reconciler;
  notify: NotifyAdmins;
  log: Logger;
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
  router.on('m.room.member', (event) => withdrawForbiddenInvite(event, o));
}

async function withdrawForbiddenInvite(event: MatrixEvent, o: TierEventsOptions): Promise<void> {
  if (event.content.membership !== 'invite' || event.state_key === undefined) return;
  const row = await o.rooms.byRoomId(event.room_id);
  if (!row) return;
  const facts = await o.facts();
  const server = serverNameOf(event.state_key);
  if (mayBeInvited(row.tier, server, facts)) return;
  const reason = `"${row.name}" is ${row.tier}: ${audienceOf(row.tier, facts.serverName)}`;
  await o.client.kick(event.room_id, event.state_key, reason);
  o.log.info('withdrew an invitation the tier forbids', { room_id: event.room_id, invitee: event.state_key, sender: event.sender });
  await o.notify(`Withdrew ${event.sender}'s invitation of ${event.state_key} to "${row.name}": ${reason}`);
}
