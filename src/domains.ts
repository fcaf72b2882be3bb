// Builds Hearth's domains on top of the infrastructure and routes events to
// them. Each domain registers its own handlers and commands; this file only
// connects them, so no single object knows every feature.
import { helpCommand } from './bot/help-command.ts';
import { handleCommandMessages, handleUndecryptable } from './bot/conversation.ts';
import { UNDECRYPTABLE } from './matrix/crypto/event-types.ts';
import { handleBotInvites } from './bot/invites.ts';
import { Greetings } from './bot/greetings.ts';
import { CommandTable } from './commands/table.ts';
import { adminNotifier, isCommunityMember, MemberDirectory } from './community/index.ts';
import { Removals } from './community/removals.ts';
import type { Config } from './config/schema.ts';
import type { Logger } from './logging/logger.ts';
import { MatrixError, type HomeserverClient } from './matrix/client.ts';
import { errorText } from './matrix/retry.ts';
import type { EventRouter } from './matrix/inbox/router.ts';
import { createSynapseAdmin } from './matrix/synapse-admin.ts';
import type { StopSignal } from './lifecycle/stop-signal.ts';
import type { Database } from './store/database.ts';
import { createManagedRoomsStore } from './store/managed-rooms-store.ts';
import { createMembersStore } from './store/members-store.ts';
import { createRoomMembersStore } from './store/room-members-store.ts';
import { createMemberInvitationsStore } from './store/member-invitations-store.ts';
import { createServerListsStore } from './store/server-lists-store.ts';
import { createTiers } from './tiers/index.ts';
import { JobRunner } from './jobs/index.ts';
import { createJobsStore } from './store/jobs-store.ts';
import { DomainEventBus } from './domain-events.ts';
import { HomeserverStateWriter } from './room-state/writer.ts';
import { createFederation } from './federation/index.ts';
import { DirectMessenger, encryptsDirectMessages } from './community/direct-messages.ts';
import { createDirectRoomsStore } from './store/direct-rooms-store.ts';
import { bugleUserId, createBugle } from './bugle/index.ts';
import { createNeighborhood } from './neighborhood/index.ts';
import { guardText, RoomAudiences } from './tiers/audience-guard.ts';
import { NeighborRooms } from './neighborhood/neighbor-rooms.ts';
import { POLICY_LIST_KEY } from './federation/policy-list.ts';
import { createNeighborRoomsStore } from './store/neighbor-rooms-store.ts';
import { createOnboarding } from './onboarding/index.ts';
import type { WebPages } from './web/index.ts';
import { createMembersArea } from './web/members-area.ts';
import { createDefederationStore } from './store/defederation-store.ts';
import { createBugleStore } from './store/bugle-store.ts';
import { createPublicWeb } from './web/public/index.ts';
import { createRepairsStore } from './store/repairs-store.ts';

export interface Infrastructure {
  config: Config;
  db: Database;
  client: HomeserverClient;
  router: EventRouter;
  log: Logger;
  stopSignal: StopSignal;
}

export interface Domains {
  /** Sets the community up (rooms, repairs, members); returns the admin room's ID. */
  setUp(): Promise<string>;
  stop(): Promise<void>;
  /** The pages the domains serve on the web listener. */
  webPages: WebPages[];
}

/** The rooms a new member is invited to, space first. */
const WELCOME_ROLES = ['space', 'local_timeline', 'neighborhood_square', 'public_square'] as const;

/** Admins added to the config after the admin room was created are invited at the next start. */
async function inviteNewAdmins(client: HomeserverClient, adminRoomId: string, admins: readonly string[], log: Logger): Promise<void> {
  const present = new Set(await client.joinedMembers(adminRoomId));
  for (const admin of admins.filter((a) => !present.has(a))) {
    try {
      await client.invite(adminRoomId, admin);
    } catch (error) {
      // An admin already invited is refused again by the homeserver; that is the state we want anyway.
      if (error instanceof MatrixError && error.httpStatus === 403 && /already (in the room|invited|joined)/i.test(error.message)) continue;
      // Any other refusal must not stop the start; the admin room's member list will show who is missing.
      log.warn('could not invite an admin to the admin room', { room_id: adminRoomId, user_id: admin, error: errorText(error) });
    }
  }
}

/** Hearth's main bot: the registration's sender_localpart on this server. */
export function mainBotUserId(config: Config): string {
  return `@${config.appservice.bot_localpart}:${config.homeserver.server_name}`;
}

/** Whether a user ID is one of Hearth's own bots (its main bot or any user in its namespace). */
export function ownBotCheck(config: Config): (userId: string) => boolean {
  const main = mainBotUserId(config);
  const prefix = `@${config.appservice.namespace_prefix}`;
  return (userId) => userId === main || userId.startsWith(prefix);
}

/** The bots members talk to, and that therefore need a crypto device. */
export function talkingBots(config: Config): string[] {
  const main = mainBotUserId(config);
  return config.bugle.enabled ? [main, bugleUserId(config)] : [main];
}

export function buildDomains({ config, db, client: homeserver, router, log, stopSignal }: Infrastructure): Domains {
  const serverName = config.homeserver.server_name;
  const isOwnBot = ownBotCheck(config);
  const rooms = createManagedRoomsStore(db);
  const lists = createServerListsStore(db);
  // Every domain sends through this client: text goes out only where its audience may read it.
  const removals = new Removals(createMembersStore(db));
  // The one predicate: an account of this server, not a bot, not a guest, and not removed from the community.
  const isLocalMember = (userId: string): boolean => isCommunityMember(userId, serverName, isOwnBot) && !removals.isRemoved(userId);
  const client = guardText(homeserver, new RoomAudiences({
    rooms,
    local: { serverName, isOwnBot, isMember: isLocalMember },
    neighbors: async () => (await lists.neighbors()).filter((server) => server !== serverName),
  }));
  let adminRoomId: string | null = null;
  const notify = adminNotifier(client, () => adminRoomId, log.child('notices'));
  // The one runner of durable jobs; each domain registers the kinds it owns and resumes them at its set-up.
  const jobsStore = createJobsStore(db);
  const jobs = new JobRunner({ store: jobsStore, log: log.child('jobs'), stop: stopSignal.soft });
  const membersStore = removals.store;
  // The one writer of room state: every domain hands it the state it wants.
  const writer = new HomeserverStateWriter(client);
  const events = new DomainEventBus();
  // Each repair the reconciler reports is kept for the dashboard's Repairs page too.
  const repairs = createRepairsStore(db);
  const tiers = createTiers({
    config, client, writer, rooms, lists, notify, log: log.child('tiers'),
    roomMembers: createRoomMembersStore(db), members: membersStore, isOwnBot, isMember: isLocalMember,
    // Onboarding (built below) keeps the admins list that the power levels follow.
    formerAdmins: () => onboarding.admins.former(),
    jobs, jobsStore,
    repairLog: repairs,
  });
  const admin = config.homeserver.admin_token
    ? createSynapseAdmin({
      homeserverUrl: config.homeserver.url,
      adminToken: config.homeserver.admin_token,
      log: log.child('synapse-admin'),
      requestSignal: () => stopSignal.forRequest(config.homeserver.request_timeout_seconds * 1000),
    })
    : null;
  const botDms = new DirectMessenger(client, createDirectRoomsStore(db), log.child('dm'), { encrypted: encryptsDirectMessages(config) });
  const federation = createFederation({
    config, db, client, writer, rooms, lists, tiers, admin, isLocalMember, notify, events,
    messenger: botDms, jobs,
    log: log.child('federation'),
  });
  const neighborhood = createNeighborhood({
    self: serverName, botLocalpart: config.appservice.bot_localpart, db, client, writer, lists, events,
    propagation: federation.propagation, notify, log: log.child('neighborhood'),
    onNeighbors: (neighbors) => neighborRooms.sync(neighbors),
  });
  const neighborRoomsStore = createNeighborRoomsStore(db);
  // A neighbor's room the bot joined: its ban list is followed; any other room is offered to the members.
  const neighborRooms = new NeighborRooms({
    self: serverName, botLocalpart: config.appservice.bot_localpart, client, store: neighborRoomsStore,
    neighbors: () => lists.neighbors(),
    onJoined: async (room) => {
      if (room.creationKey === POLICY_LIST_KEY) await federation.blockLists.followNeighborList(room.roomId, room.server);
      else await members.inviteWelcomedTo(room.roomId);
    },
    log: log.child('neighbor-rooms'),
  });
  tiers.useAclJobs(federation.propagation);
  const bugle = config.bugle.enabled
    ? createBugle({ config, db, client, members: membersStore, isCommunityMember: isLocalMember, notify, jobs, log: log.child('bugle') })
    : null;
  const onboarding = createOnboarding({
    config, db, client, messenger: botDms, admin, rooms, members: membersStore, isLocalMember,
    botUserId: mainBotUserId(config), notify,
    directory: () => members,
    spaceMembers: async () => {
      const spaceId = (await tiers.facts()).spaceId;
      return spaceId ? client.joinedMembers(spaceId) : [];
    },
    adminsChanged: async (userId, change) => {
      if (adminRoomId && change === 'added') await client.invite(adminRoomId, userId);
      if (adminRoomId && change === 'removed' && ['join', 'invite'].includes(String((await client.getStateEvent(adminRoomId, 'm.room.member', userId))?.membership))) {
        await client.kick(adminRoomId, userId, 'Hearth removed you: you are no longer an admin of this community.');
      }
      // The power levels follow the admins list in every managed room.
      await tiers.repairAll();
    },
    requestSignal: () => stopSignal.forRequest(config.homeserver.request_timeout_seconds * 1000),
    jobs,
    log: log.child('onboarding'),
  });
  const members = new MemberDirectory({
    client,
    members: membersStore,
    invitations: createMemberInvitationsStore(db),
    serverName,
    welcomeRooms: async () => {
      const ids = await Promise.all(WELCOME_ROLES.map(async (role) => (await rooms.byCreationKey(role))?.roomId ?? null));
      if (ids.includes(null)) return [];
      const neighbors = (await neighborRoomsStore.joined()).filter((room) => room.creationKey !== POLICY_LIST_KEY);
      return [...(ids as string[]), ...neighbors.map((room) => room.roomId)];
    },
    spaceId: async () => (await tiers.facts()).spaceId,
    isOwnBot,
    admin,
    pollSeconds: config.homeserver.member_poll_seconds,
    log: log.child('members'),
    admission: onboarding.admission,
    onNewMembers: onboarding.onNewMembers,
  });

  const publicWeb = createPublicWeb({
    config, db, rooms, isMember: isLocalMember,
    requestSignal: () => stopSignal.forRequest(config.homeserver.request_timeout_seconds * 1000),
  });

  const table: CommandTable = new CommandTable(
    [helpCommand(() => table), ...tiers.commands, ...federation.commands, ...neighborhood.commands, ...(bugle?.commands ?? []), ...onboarding.commands, ...publicWeb.commands],
    log.child('commands'),
    { serverName },
  );
  // The members' area and the admins' dashboard: they read the stores and act through the commands above.
  const membersArea = createMembersArea({
    config, botUserId: mainBotUserId(config), table: () => table, isMember: isLocalMember,
    adminRoomId: () => adminRoomId ?? '', notify, onboarding, members: membersStore, rooms,
    bugleOptOuts: bugle ? async () => new Set((await createBugleStore(db).optedOut()).keys()) : null,
    defederation: createDefederationStore(db), jobs: jobsStore, facts: () => tiers.facts(),
    lastSeen: admin ? () => admin.lastSeen() : null, repairs,
    requestSignal: () => stopSignal.forRequest(config.homeserver.request_timeout_seconds * 1000),
    log: log.child('web'),
  });
  const responderFor = async (roomId: string): Promise<HomeserverClient> => (bugle && (await bugle.isBugleRoom(roomId)) ? bugle.bot : client);
  router.on('m.room.message', handleCommandMessages({
    responderFor, table, serverName, admins: config.community.admins, isOwnBot, isMember: isLocalMember,
    directMessage: (userId, message) => botDms.send(userId, message),
    log: log.child('conversation'),
  }));
  router.on(UNDECRYPTABLE, handleUndecryptable({
    responderFor,
    // The admin room, or a room where the sender is alone with Hearth's bots.
    isConversationRoom: async (roomId, sender, responder) =>
      roomId === adminRoomId || (await responder.joinedMembers(roomId)).every((member) => member === sender || isOwnBot(member)),
    log: log.child('conversation'),
  }));
  const greetings = new Greetings({ communityName: config.community.name, serverName, adminRoomId: () => adminRoomId, isOwnBot, log: log.child('greetings') });
  router.on('m.room.member', handleBotInvites({
    bots: bugle ? [client, bugle.bot] : [client],
    serverName,
    onJoined: async (bot, roomId, inviter, isDirect) => {
      if (!isDirect) return;
      const isBugle = bugle !== null && bot === bugle.bot;
      // Only a direct chat becomes a member's DM with the Bugle: broadcasts to them land there.
      if (isBugle) await bugle.adopt(inviter, roomId);
      await greetings.greetDirectChat(bot, isBugle ? 'bugle' : 'hearth', roomId);
    },
    remoteInvite: async (event) => (await neighborhood.acceptCouncilInvite(event)) || neighborRooms.acceptInvite(event),
    log: log.child('invites'),
  }));
  bugle?.register(router);
  neighborhood.register(router);
  federation.register(router);
  tiers.register(router);
  publicWeb.register(router);
  router.on('m.room.member', members.handleEvent);
  router.on('m.room.member', greetings.adminRoomJoins(client));
  router.on('m.room.message', members.handleEvent);

  return {
    webPages: [...onboarding.webPages, ...publicWeb.webPages, membersArea.pages],
    async setUp() {
      await removals.load();
      await onboarding.loadAdmins();
      const ids = await tiers.ensureRooms();
      adminRoomId = ids.get('admin') ?? null;
      if (adminRoomId) await inviteNewAdmins(client, adminRoomId, config.community.admins, log.child('admins'));
      await tiers.repairAll();
      await tiers.resumeJobs();
      await federation.setUp();
      await neighborhood.setUp();
      await bugle?.setUp();
      // Invitations to neighbors' rooms that a stop interrupted are owed still; the claims keep them from repeating.
      for (const room of await neighborRoomsStore.joined()) if (room.creationKey !== POLICY_LIST_KEY) members.oweLaterRoom(room.roomId);
      await onboarding.setUp();
      members.start();
      return adminRoomId ?? '';
    },
    stop: async () => {
      neighborRooms.stop();
      await membersArea.stop();
      await members.stop();
      await onboarding.stop();
      // Every job ends between items; what is left stays pending for the next start.
      await jobs.stop();
    },
  };
}
