// The federation domain: defederation with informed consent, ACL propagation,
// the policy list, and what Hearth learns of remote accounts from events.
import type { Command } from '../commands/command.ts';
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { DirectMessenger } from '../community/direct-messages.ts';
import type { Config } from '../config/schema.ts';
import type { DomainEventBus } from '../domain-events.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { serverNameOf } from '../matrix/event.ts';
import type { EventRouter } from '../matrix/inbox/router.ts';
import type { SynapseAdmin } from '../matrix/synapse-admin.ts';
import type { StateWriter } from '../room-state/writer.ts';
import type { Database } from '../store/database.ts';
import { createJobsStore } from '../store/jobs-store.ts';
import type { JobRunner } from '../jobs/index.ts';
import { ACL_PUSH, aclPushKind } from '../jobs/kinds/acl-push.ts';
import { createDefederationStore } from '../store/defederation-store.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import { createRoomMembersStore } from '../store/room-members-store.ts';
import type { Tiers } from '../tiers/index.ts';
import { AclPropagation } from './acl-propagation.ts';
import { defederationCommands } from './commands.ts';
import { Defederation } from './defederation.ts';
import { PolicyList, SERVER_RULE } from './policy-list.ts';
import { BlockListFollower } from './block-lists.ts';
import { RemoteActivity } from './remote-activity.ts';
import { createPolicySubscriptionsStore } from '../store/policy-subscriptions-store.ts';
import type { ServerListsStore } from '../store/server-lists-store.ts';

export interface FederationOptions {
  config: Config;
  db: Database;
  client: HomeserverClient;
  /** Writes the policy list's rules. */
  writer: StateWriter;
  rooms: ManagedRoomsStore;
  lists: ServerListsStore;
  tiers: Tiers;
  messenger: DirectMessenger;
  admin: SynapseAdmin | null;
  isLocalMember: (userId: string) => boolean;
  notify: NotifyAdmins;
  log: Logger;
  /** Runs the ACL pushes. */
  jobs: JobRunner;
  /** Where every defederation decision or reversal is announced ('defederation-changed'). */
  events: DomainEventBus;
}

export interface Federation {
  commands: Command[];
  blockLists: BlockListFollower;
  defederation: Defederation;
  propagation: AclPropagation;
  register(router: EventRouter): void;
  setUp(): Promise<void>;
}

export function createFederation(o: FederationOptions): Federation {
  const serverName = o.config.homeserver.server_name;
  const members = createRoomMembersStore(o.db);
  const remoteActivity = new RemoteActivity(members);
  o.jobs.register(aclPushKind({
    reconciler: o.tiers.reconciler,
    store: createJobsStore(o.db),
    notify: o.notify,
    concurrency: o.config.federation.acl_concurrency,
    progressEveryMs: o.config.federation.acl_progress_seconds * 1000,
    roomDelayMs: o.config.federation.acl_room_delay_ms,
  }));
  const propagation = new AclPropagation(o.jobs, o.rooms);
  const policyList = new PolicyList(o.client, o.writer, o.tiers.ensureRoom, o.config.community.name, o.config.appservice.namespace_prefix, serverName);
  const defederation = new Defederation({
    serverName,
    consentDays: o.config.federation.consent_days,
    store: createDefederationStore(o.db),
    members,
    impactSources: { rooms: o.rooms, members, admin: o.admin },
    isLocalMember: o.isLocalMember,
    facts: o.tiers.facts,
    propagation,
    policyList,
    messenger: o.messenger,
    notify: o.notify,
    log: o.log.child('defederation'),
    afterChange: () => o.events.emit('defederation-changed', {}),
  });
  const blockLists = new BlockListFollower({
    client: o.client,
    store: createPolicySubscriptionsStore(o.db),
    defederation,
    notify: o.notify,
    log: o.log.child('block-lists'),
    neighborMode: o.config.neighborhood.blocklist_mode,
    configured: o.config.neighborhood.subscriptions,
  });
  return {
    commands: defederationCommands(defederation),
    blockLists,
    defederation,
    propagation,
    register(router) {
      // Membership and activity of every room Hearth sees: the memory behind impact reports.
      router.on('m.room.member', async (event) => {
        if (event.state_key !== undefined && typeof event.content.membership === 'string') {
          await members.setMembership(event.room_id, event.state_key, event.content.membership);
        }
      });
      router.on(SERVER_RULE, blockLists.handleRule);
      router.onAny(async (event) => {
        if (serverNameOf(event.sender) !== serverName) await remoteActivity.saw(event.sender, event.origin_server_ts);
      });
    },
    async setUp() {
      // Rooms created before Hearth watched them, or changed while it was down.
      for (const room of await o.rooms.all()) {
        if (!room.roomId) continue;
        for (const userId of await o.client.joinedMembers(room.roomId)) await members.setMembership(room.roomId, userId, 'join');
      }
      await o.jobs.resume(ACL_PUSH);
      // Published from the start, so neighbors can follow it before the first decision.
      await policyList.roomId();
      await policyList.removeLegacyAlias();
      await blockLists.followConfigured();
      await blockLists.applyNeighborMode(await o.lists.neighbors());
    },
  };
}
