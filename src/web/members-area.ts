// The members' area and the admin dashboard, put together: the login and its
// sessions, the members' pages, the admins' pages, and the one way either
// changes anything (the chat commands, through WebCommands).
import type { Router } from 'express';
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import type { Onboarding } from '../onboarding/index.ts';
import type { JobsStore } from '../store/jobs-store.ts';
import type { DefederationStore } from '../store/defederation-store.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { RepairsStore } from '../store/repairs-store.ts';
import type { MembersStore, RemovedMembersStore } from '../store/members-store.ts';
import type { CommunityFacts } from '../tiers/facts.ts';
import { dashboardPages } from './admin/pages.ts';
import { memberPages } from './members/pages.ts';
import type { PageKit, WebPages } from './server.ts';
import { homeserverAccounts } from './session/homeserver-account.ts';
import { WebSessions } from './session/web-sessions.ts';
import { WebCommands, type CommandLookup } from './web-commands.ts';

/** How long a web session lasts from its login: a working day, after which the member logs in again. */
export const SESSION_HOURS = 12;

export interface MembersAreaWiring {
  config: Config;
  botUserId: string;
  table: () => CommandLookup;
  isMember: (userId: string) => boolean;
  adminRoomId: () => string;
  notify: NotifyAdmins;
  onboarding: Onboarding;
  members: MembersStore & RemovedMembersStore;
  rooms: ManagedRoomsStore;
  bugleOptOuts: (() => Promise<ReadonlySet<string>>) | null;
  defederation: DefederationStore;
  /** The job runner's store, where the ACL changes' progress is read. */
  jobs: Pick<JobsStore, 'unfinished' | 'counts'>;
  facts: () => Promise<CommunityFacts>;
  /** When each account last used a client, through Synapse's admin API; null without homeserver.admin_token. */
  lastSeen: (() => Promise<ReadonlyMap<string, number>>) | null;
  /** The reconciler's repair log. */
  repairs: Pick<RepairsStore, 'latest'>;
  requestSignal: () => AbortSignal;
  log: Logger;
}

export interface MembersArea {
  pages: WebPages;
  /** Ends every session, logging its token out. */
  stop(): Promise<void>;
}

export function createMembersArea(w: MembersAreaWiring): MembersArea {
  const serverName = w.config.homeserver.server_name;
  // The live admins list: `!admin add` and `!admin remove` change it, as they change who may run admin commands.
  const isAdmin = (userId: string): boolean => w.config.community.admins.includes(userId);
  const { welcome, invitations, store: profiles } = w.onboarding.readers;
  const sessions = new WebSessions({
    serverName,
    botUserId: w.botUserId,
    secret: w.config.appservice.hs_token,
    secure: w.config.web.public_base_url.startsWith('https://'),
    lifetimeHours: SESSION_HOURS,
    accounts: homeserverAccounts({ homeserverUrl: w.config.homeserver.url, requestSignal: w.requestSignal }),
    isMember: w.isMember,
    standing: (userId) => welcome.standing(userId),
    log: w.log.child('sessions'),
  });
  const commands = new WebCommands({
    table: w.table, argumentContext: { serverName }, isAdmin, adminRoomId: w.adminRoomId,
    notify: (text) => w.notify(text), log: w.log,
  });
  const members = memberPages({
    serverName, botUserId: w.botUserId, commands, isMember: w.isMember, isAdmin, welcome, invitations, profiles,
    members: w.members, rooms: w.rooms, bugleOptOuts: w.bugleOptOuts, membersMayInvite: w.config.community.members_may_invite,
  });
  const dashboard = dashboardPages({
    commands, isMember: w.isMember, isAdmin, welcome, invitations, profiles, members: w.members,
    defederation: w.defederation, jobs: w.jobs, facts: w.facts, lastSeen: w.lastSeen, repairs: w.repairs, log: w.log.child('dashboard'),
  });
  sessions.store.start();
  return {
    pages(router: Router, kit: PageKit) {
      // Only these paths have sessions: the other pages never set or read the session cookie.
      router.use(['/login', '/logout', '/members', '/admin'], sessions.middleware);
      sessions.routes(router, kit);
      members(router, kit);
      dashboard(router, kit);
    },
    stop: () => sessions.store.stop(),
  };
}
