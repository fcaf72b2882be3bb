// The onboarding domain: invitations and the sign-up page, the code of
// conduct, the welcome and introductions, the member cap, removal, and the
// admins. Its public surface is what domains.ts wires: its commands, its web
// pages, the member directory's admission and new-member hooks, set-up and stop.
import type { Command } from '../commands/command.ts';
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { DirectMessage } from '../community/direct-messages.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { errorText } from '../matrix/retry.ts';
import type { SynapseAdmin } from '../matrix/synapse-admin.ts';
import { createAdminsStore } from '../store/admins-store.ts';
import type { Database } from '../store/database.ts';
import { createInvitationsStore } from '../store/invitations-store.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { JobRunner } from '../jobs/index.ts';
import { MEMBER_REMOVAL, memberRemovalKind } from '../jobs/kinds/member-removal.ts';
import { createJobsStore } from '../store/jobs-store.ts';
import { createMemberRemovalsStore } from '../store/member-removals-store.ts';
import type { MembersStore, RemovedMembersStore } from '../store/members-store.ts';
import { createOnboardingStore, type OnboardingStore } from '../store/onboarding-store.ts';
import type { WebPages } from '../web/index.ts';
import { AdminList } from './admins.ts';
import { beyondCap, describeHeadcount } from './cap.ts';
import { onboardingCommands } from './commands.ts';
import { Invitations } from './invitations.ts';
import { Registration } from './registration.ts';
import { MemberRemovals } from './removal.ts';
import { signUpPages } from './signup-pages.ts';
import { SignUp } from './signup.ts';
import { loadCodeOfConduct, loadWelcome } from './texts.ts';
import { Welcome } from './welcome.ts';

export { AdminList } from './admins.ts';

export interface OnboardingOptions {
  config: Config;
  db: Database;
  client: HomeserverClient;
  messenger: { send(userId: string, message: DirectMessage): Promise<unknown> };
  admin: SynapseAdmin | null;
  rooms: ManagedRoomsStore;
  members: MembersStore & RemovedMembersStore;
  isLocalMember: (userId: string) => boolean;
  botUserId: string;
  notify: NotifyAdmins;
  /** The member directory, built after this domain: tells it of a new account and asks it for a pass. */
  directory: () => { notice(userIds: readonly string[]): Promise<void>; requestPass(): void };
  /** The space's joined members, for the notice of a changed code of conduct. */
  spaceMembers: () => Promise<string[]>;
  /** After `!admin add` or `!admin remove`: the admin room and the power levels follow. */
  adminsChanged: (userId: string, change: 'added' | 'removed') => Promise<void>;
  requestSignal: () => AbortSignal;
  log: Logger;
  /** Runs the removals. */
  jobs: JobRunner;
}

export interface Onboarding {
  commands: Command[];
  webPages: WebPages[];
  admins: AdminList;
  /** The member directory's admission: the welcome DM, and the code of conduct before anyone is let in. */
  admission: (userId: string) => Promise<'let in' | 'wait'>;
  /** The member directory's report of new accounts: those beyond the cap are told to the admins. */
  onNewMembers: (userIds: readonly string[]) => Promise<void>;
  /** Loads the admins recorded from chat (before anything reads them). */
  loadAdmins(): Promise<void>;
  /** Resumes unfinished removals and sends a changed code of conduct (after the community's rooms exist). */
  setUp(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the removals and notices started so far are done (tests). */
  idle(): Promise<void>;
  /** What the web pages read (they act through the commands): the welcome, the invitations, the profiles. */
  readers: { welcome: Welcome; invitations: Invitations; store: OnboardingStore };
}

export function createOnboarding(o: OnboardingOptions): Onboarding {
  const { config } = o;
  const store = createOnboardingStore(o.db);
  const codeOfConduct = loadCodeOfConduct(config);
  const admins = new AdminList(config.community.admins, createAdminsStore(o.db));
  const invitations = new Invitations({
    store: createInvitationsStore(o.db),
    admin: o.admin,
    memberCount: async () => (await o.members.all()).filter((m) => m.leftAt === null && o.isLocalMember(m.userId)).length,
    maxMembers: config.community.max_members,
    publicBaseUrl: config.web.enabled ? config.web.public_base_url : null,
    notify: o.notify,
    log: o.log.child('invitations'),
  });
  const welcome = new Welcome({
    messenger: o.messenger,
    store,
    codeOfConduct,
    welcome: loadWelcome(config),
    serverName: config.homeserver.server_name,
    client: o.client,
    localTimeline: async () => (await o.rooms.byCreationKey('local_timeline'))?.roomId ?? null,
    notify: o.notify,
    requestPass: () => { o.directory().requestPass(); },
    log: o.log.child('welcome'),
  });
  const removalsStore = createMemberRemovalsStore(o.db);
  o.jobs.register(memberRemovalKind({
    store: removalsStore,
    jobs: createJobsStore(o.db),
    client: o.client,
    members: o.members,
    messenger: o.messenger,
    invitations,
    admin: o.admin,
    communityName: config.community.name,
    notify: o.notify,
    log: o.log.child('removal'),
    stepDelayMs: config.community.removal_room_delay_ms,
  }));
  const removals = new MemberRemovals({ store: removalsStore, rooms: o.rooms, jobs: o.jobs });
  const signUp = new SignUp({
    invitations,
    registration: new Registration({ homeserverUrl: config.homeserver.url, log: o.log.child('registration'), requestSignal: o.requestSignal }),
    store,
    welcome,
    noticeMember: async (userId) => {
      const directory = o.directory();
      await directory.notice([userId]);
      directory.requestPass();
    },
    serverName: config.homeserver.server_name,
    communityName: config.community.name,
    notify: o.notify,
    log: o.log.child('signup'),
  });
  const cocSince = async (): Promise<number | null> => (codeOfConduct ? store.versionSeen(codeOfConduct.version, Date.now()) : null);

  let notices: Promise<void> = Promise.resolve();
  const sendChangedCode = async (): Promise<void> => {
    if (!codeOfConduct) return;
    await cocSince();
    const sent = await welcome.sendChangedCode((await o.spaceMembers()).filter(o.isLocalMember));
    if (sent > 0) await o.notify(`The code of conduct changed: ${sent === 1 ? '1 member was' : `${sent} members were`} sent the new text with !agree.`);
  };

  return {
    readers: { welcome, invitations, store },
    commands: onboardingCommands({
      invitations, welcome, removals, admins, store,
      adminsChanged: o.adminsChanged,
      members: o.members,
      removed: async () => new Set(await o.members.removed()),
      isLocalMember: o.isLocalMember,
      membersMayInvite: config.community.members_may_invite,
      invitationDays: config.community.invitation_days,
      graceDays: config.community.coc_grace_days,
      cocSince,
      hasAdminApi: o.admin !== null,
    }),
    webPages: [signUpPages({
      signUp,
      codeOfConduct,
      description: config.community.description,
      serverName: config.homeserver.server_name,
      botUserId: o.botUserId,
      homeserverAddress: config.web.homeserver_address === '' ? config.homeserver.server_name : config.web.homeserver_address,
    })],
    admins,
    admission: welcome.admission,
    async onNewMembers(userIds) {
      const headcount = await invitations.headcount();
      if (beyondCap(headcount) === 0) return;
      const profiles = await store.profiles();
      // Someone who signed up with an invitation had a place; these did not.
      const outside = userIds.filter((userId) => profiles.get(userId)?.signedUpAt == null);
      if (outside.length === 0) return;
      await o.notify(`Over the member cap (${describeHeadcount(headcount)}): ${outside.join(', ')} ${outside.length === 1 ? 'has an account' : 'have accounts'} that Synapse's own tools made, without an invitation. Hearth cannot stop Synapse's admin from making accounts; it only refuses invitations and sign-ups while the community is full.`);
    },
    loadAdmins: () => admins.load(),
    async setUp() {
      await o.jobs.resume(MEMBER_REMOVAL);
      notices = sendChangedCode().catch((error: unknown) => {
        o.log.warn('could not send the changed code of conduct to every member; the next start tries again', { error: errorText(error) });
      });
    },
    async stop() {
      await notices;
    },
    async idle() {
      await o.jobs.idle();
      await notices;
    },
  };
}
