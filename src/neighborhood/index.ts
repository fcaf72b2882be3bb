// The neighborhood domain: commands, the reaction to council events and
// invitations, and the start-up catch-up (how a server that was offline
// converges: it re-reads the councils' state, which federation kept for it).
import type { Command } from '../commands/command.ts';
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { DomainEventBus } from '../domain-events.ts';
import type { AclPropagation } from '../federation/acl-propagation.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import type { MatrixEvent } from '../matrix/event.ts';
import type { EventRouter } from '../matrix/inbox/router.ts';
import type { StateWriter } from '../room-state/writer.ts';
import type { Database } from '../store/database.ts';
import { createCouncilsStore } from '../store/councils-store.ts';
import type { ServerListsStore } from '../store/server-lists-store.ts';
import { neighborhoodCommands } from './commands.ts';
import { MEMBERSHIP_TYPE, VOTES_TYPE } from './events.ts';
import { NeighborhoodService } from './service.ts';

export interface NeighborhoodDomainOptions {
  self: string;
  botLocalpart: string;
  db: Database;
  client: HomeserverClient;
  writer: StateWriter;
  lists: ServerListsStore;
  propagation: AclPropagation;
  notify: NotifyAdmins;
  log: Logger;
  /** Listened to for 'defederation-changed': a server cut off here is no neighbor any more. */
  events: DomainEventBus;
  onNeighbors: (neighbors: readonly string[]) => Promise<void>;
}

export interface NeighborhoodDomain {
  commands: Command[];
  /** Handles an invitation from another server if it is to a council; true when it did. */
  acceptCouncilInvite(event: MatrixEvent): Promise<boolean>;
  register(router: EventRouter): void;
  setUp(): Promise<void>;
}

export function createNeighborhood(o: NeighborhoodDomainOptions): NeighborhoodDomain {
  const councils = createCouncilsStore(o.db);
  const service = new NeighborhoodService({ ...o, councils });
  const onCouncilEvent = async (event: MatrixEvent): Promise<void> => {
    if (await councils.has(event.room_id)) await service.refresh();
  };
  o.events.on('defederation-changed', () => service.refresh());
  return {
    commands: neighborhoodCommands(service),
    acceptCouncilInvite: (event) => service.acceptCouncilInvite(event),
    register(router) {
      for (const type of [MEMBERSHIP_TYPE, VOTES_TYPE, 'm.room.member']) router.on(type, onCouncilEvent);
    },
    setUp: () => service.refresh(),
  };
}
