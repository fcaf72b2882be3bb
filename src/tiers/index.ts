// The tiers domain: wires its policy, reconciler, room creation, commands and
// event reactions together, and exposes what the rest of Hearth needs.
import type { Command } from '../commands/command.ts';
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import type { JobRunner } from '../jobs/index.ts';
import { ROOM_CHECK, roomCheckKind, roomCheckSubject, type RoomCheckRequest } from '../jobs/kinds/room-check.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import type { EventRouter } from '../matrix/inbox/router.ts';
import type { StateWriter } from '../room-state/writer.ts';
import type { JobsStore } from '../store/jobs-store.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { RepairsStore } from '../store/repairs-store.ts';
import type { RemovedMembersStore } from '../store/members-store.ts';
import type { RoomMembersStore } from '../store/room-members-store.ts';
import type { ServerListsStore } from '../store/server-lists-store.ts';
import { tierCommands } from './commands.ts';
import { ensureCommunity } from './community-setup.ts';
import { encryptedByDefault } from './encryption-defaults.ts';
import { TOPIC_KEY_PREFIX } from './room-quota.ts';
import { registerTierEvents } from './events.ts';
import type { CommunityFacts } from './facts.ts';
import { communityFacts } from './facts-source.ts';
import type { MembershipFacts } from './membership-policy.ts';
import { MemberRemoval } from './membership-removal.ts';
import { Reconciler } from './reconciler.ts';
import { roomCreator, type EnsureRoom } from './room-creation.ts';
import type { RoomRole } from './tier.ts';

export type { Tier, RoomRole } from './tier.ts';
export type { CommunityFacts } from './facts.ts';

export interface TiersOptions {
  config: Config;
  client: HomeserverClient;
  /** The one writer of room state, which the reconciler hands each room's desired state. */
  writer: StateWriter;
  rooms: ManagedRoomsStore;
  lists: ServerListsStore;
  notify: NotifyAdmins;
  log: Logger;
  /** Room membership as Hearth's events tell it: what an ACL job checks each room against. */
  roomMembers: RoomMembersStore;
  /** The community's members, among them those removed from the space. */
  members: RemovedMembersStore;
  isOwnBot: (userId: string) => boolean;
  /** The one member predicate: of this server, no bot, no guest, not removed. */
  isMember: (userId: string) => boolean;
  /** Admins removed from chat, whose moderator power the reconciler takes back. */
  formerAdmins?: () => readonly string[];
  /** The one runner of durable jobs, which carries `!reconcile`'s pass over every room. */
  jobs: JobRunner;
  /** Reads a job's items for its report. */
  jobsStore: Pick<JobsStore, 'items'>;
  /** Keeps each repair the reconciler reports, for the dashboard's Repairs page. */
  repairLog: Pick<RepairsStore, 'record'>;
}

/** The persisted ACL jobs of the federation domain, which narrowing a room goes through. */
export interface RoomAclJobs {
  enqueueRooms(reason: string, roomIds: readonly string[]): Promise<unknown>;
}

export interface Tiers {
  facts: () => Promise<CommunityFacts>;
  reconciler: Reconciler;
  ensureRoom: EnsureRoom;
  commands: Command[];
  register(router: EventRouter): void;
  /** Creates what is missing of the community; returns the default rooms by role. */
  ensureRooms(): Promise<Map<RoomRole, string>>;
  /** Repairs any drift in every managed room, and removes whoever its tier does not allow (at start-up, reported in the admin room). */
  repairAll(): Promise<void>;
  /** Starts the room checks a previous run left unfinished. */
  resumeJobs(): Promise<void>;
  /** Binds the ACL jobs, built after this domain because they write through its reconciler. */
  useAclJobs(jobs: RoomAclJobs): void;
}

export function createTiers(o: TiersOptions): Tiers {
  const serverName = o.config.homeserver.server_name;
  const facts = communityFacts(serverName, o.config.community.admins, o.config.appservice.bot_localpart, o.rooms, o.lists, o.formerAdmins);
  const membershipFacts = async (): Promise<MembershipFacts> => ({ community: await facts(), removed: new Set(await o.members.removed()), isOwnBot: o.isOwnBot });
  const reconciler = new Reconciler({
    client: o.client, writer: o.writer, rooms: o.rooms, facts, notify: o.notify, log: o.log.child('reconciler'),
    membershipFacts,
    removal: new MemberRemoval({ client: o.client, roomMembers: o.roomMembers, log: o.log.child('removal') }),
    roomMembers: o.roomMembers,
    repairLog: o.repairLog,
  });
  o.jobs.register(roomCheckKind({ reconciler, store: o.jobsStore, notify: o.notify }));
  /** Queues a check of every managed room; says how many rooms it holds. */
  const checkAllRooms = async (request: RoomCheckRequest): Promise<number> => {
    const roomIds = (await o.rooms.all()).flatMap((room) => (room.roomId ? [room.roomId] : []));
    await o.jobs.enqueue(ROOM_CHECK, roomCheckSubject(request), roomIds);
    return roomIds.length;
  };
  let aclJobs: RoomAclJobs | null = null;
  const ensureRoom = roomCreator({
    client: o.client,
    rooms: o.rooms,
    facts,
    // A new room is listed in the space by the space's own reconciliation.
    afterCreate: async (roomId) => {
      const spaceId = (await facts()).spaceId;
      if (spaceId && spaceId !== roomId) await reconciler.reconcileRoom(spaceId, { kind: 'creation' });
    },
    log: o.log.child('rooms'),
    now: Date.now,
  });
  return {
    facts,
    reconciler,
    ensureRoom,
    commands: tierCommands({
      client: o.client, rooms: o.rooms, facts, ensureRoom, reconciler, serverName, aclJobs: () => aclJobs, checkAllRooms,
      encryptedByDefault: (tier) => encryptedByDefault(o.config, 'topic', tier),
      isMember: o.isMember,
      roomQuota: {
        perDay: o.config.tiers.rooms_per_member_per_day,
        createdBy: async (userId) => (await o.rooms.requestedBy(userId)).filter((room) => room.creationKey.startsWith(TOPIC_KEY_PREFIX)),
      },
    }),
    register: (router) => {
      registerTierEvents(router, { client: o.client, rooms: o.rooms, facts, reconciler, notify: o.notify, log: o.log, members: o.members, isOwnBot: o.isOwnBot });
    },
    ensureRooms: () => ensureCommunity(o.config, ensureRoom),
    async repairAll() {
      await reconciler.reconcileAll({ kind: 'start-up' });
    },
    resumeJobs: () => o.jobs.resume(ROOM_CHECK),
    useAclJobs(jobs) {
      aclJobs = jobs;
    },
  };
}
