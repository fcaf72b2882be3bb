// Who the community's members are, and getting each one into the space and
// the default rooms exactly once. Hearth learns of a member from Synapse's
// admin API when the config grants it, and in any case at first contact: an
// event from a local user in a room Hearth sees. A member who leaves the space
// or rejects its invitation is never invited again.
//
// Learning of a member only records them; the invitations they are owed are
// sent by one pass at a time (a SingleFlight), started by the poll timer and
// by first contacts. A trigger that arrives while a pass runs asks for one
// more pass after it, so a burst of new members never starts parallel passes
// that invite the same people over and over.
import type { Logger } from '../logging/logger.ts';
import { OutageLog } from '../logging/outage.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { serverNameOf, type MatrixEvent } from '../matrix/event.ts';
import { errorText } from '../matrix/retry.ts';
import type { SynapseAdmin } from '../matrix/synapse-admin.ts';
import type { MemberInvitationsStore } from '../store/member-invitations-store.ts';
import type { MembersStore } from '../store/members-store.ts';
import { SingleFlight } from './single-flight.ts';
import { WelcomeInvitations } from './welcome-invitations.ts';

/**
 * A person of this community: an account on this server that is neither one of
 * Hearth's bots nor a guest (Synapse gives guest accounts numeric names).
 */
export function isCommunityMember(userId: string, serverName: string, isOwnBot: (userId: string) => boolean): boolean {
  return serverNameOf(userId) === serverName && !isOwnBot(userId) && !/^@\d+:/.test(userId);
}

export interface MemberDirectoryOptions {
  client: Pick<HomeserverClient, 'invite' | 'getStateEvent'>;
  members: MembersStore;
  invitations: MemberInvitationsStore;
  serverName: string;
  /** The space first, then the default rooms a new member is invited to. */
  welcomeRooms: () => Promise<string[]>;
  spaceId: () => Promise<string | null>;
  isOwnBot: (userId: string) => boolean;
  admin: Pick<SynapseAdmin, 'localUsers'> | null;
  pollSeconds: number;
  log: Logger;
  now?: () => number;
  /**
   * Asked before a member is invited into the community: 'wait' keeps them
   * awaiting (onboarding: not agreed to the code of conduct yet). Left out,
   * everyone is let in.
   */
  admission?: (userId: string) => Promise<'let in' | 'wait'>;
  /** Told of members recorded for the first time (onboarding checks them against the member cap). */
  onNewMembers?: (userIds: readonly string[]) => Promise<void>;
}

export class MemberDirectory {
  private readonly options: MemberDirectoryOptions;
  private readonly welcome: WelcomeInvitations;
  private readonly passes: SingleFlight;
  private timer: NodeJS.Timeout | null = null;
  // Members already recorded: nearly every event comes from one, and this keeps them off the database.
  private readonly known = new Set<string>();
  // Rooms added to the welcome after members were welcomed, still owed to some of them.
  private readonly laterRooms = new Set<string>();

  constructor(options: MemberDirectoryOptions) {
    this.options = options;
    this.welcome = new WelcomeInvitations({ client: options.client, invitations: options.invitations, log: options.log, now: () => this.now() });
    // A pass fails whole when the database is out: said once for the whole outage, not once a pass.
    const outage = new OutageLog(options.log, 'the pass that sends pending invitations', () => this.now());
    this.passes = new SingleFlight(async () => {
      await this.pass();
      outage.succeeded();
    }, (error) => { outage.failed(error); });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  isLocalMember(userId: string): boolean {
    return isCommunityMember(userId, this.options.serverName, this.options.isOwnBot);
  }

  /**
   * Runs a pass now, then another `pollSeconds` after each one ends: each
   * lists the accounts (when the config grants the admin API) and sends the
   * invitations still owed, including those that failed for a transient reason.
   */
  start(): void {
    const tick = async (): Promise<void> => {
      this.timer = null;
      await this.passes.request();
      if (!this.passes.stopping) this.timer = setTimeout(() => void tick(), this.options.pollSeconds * 1000);
    };
    void tick();
  }

  /** Stops the timer, lets the running pass end before its next invitation, and waits for it. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.passes.stop();
  }

  /** Resolves when no pass is running or asked for (tests). */
  idle(): Promise<void> {
    return this.passes.idle();
  }

  /** Asks for a pass soon, without waiting for it: someone may now be let in. */
  requestPass(): void {
    void this.passes.request();
  }

  /** Records the local users not seen before, and asks for a pass to invite the new ones. */
  async notice(userIds: readonly string[]): Promise<void> {
    if ((await this.record(userIds)) > 0) void this.passes.request();
  }

  /** Any event from a local user is a first contact; a departure from the space is remembered. */
  handleEvent = async (event: MatrixEvent): Promise<void> => {
    if (event.type === 'm.room.member' && event.state_key !== undefined) {
      const membership = event.content.membership;
      if ((membership === 'leave' || membership === 'ban') && event.room_id === (await this.options.spaceId())) {
        await this.options.members.markLeft(event.state_key, this.now());
        return;
      }
      if (membership === 'join') await this.notice([event.state_key]);
      return;
    }
    if (this.isLocalMember(event.sender)) await this.notice([event.sender]);
  };

  /** Adds the members not seen before; returns how many were new. */
  private async record(userIds: readonly string[]): Promise<number> {
    const unknown = userIds.filter((id) => !this.known.has(id) && this.isLocalMember(id));
    if (unknown.length === 0) return 0;
    const fresh = await this.options.members.addNew(unknown, this.now());
    unknown.forEach((id) => this.known.add(id));
    if (fresh.length > 0) this.options.log.info('new members', { count: fresh.length });
    if (fresh.length > 0 && this.options.onNewMembers) {
      await this.options.onNewMembers(fresh).catch((error: unknown) => {
        this.options.log.warn('could not report new members', { error: errorText(error) });
      });
    }
    return fresh.length;
  }

  private async pass(): Promise<void> {
    if (this.options.admin) await this.discover(this.options.admin);
    if (await this.inviteAwaiting()) await this.inviteToLaterRooms();
  }

  private async discover(admin: Pick<SynapseAdmin, 'localUsers'>): Promise<void> {
    let users: string[];
    const askedAt = this.now();
    try {
      users = await admin.localUsers();
    } catch (error) {
      // First contacts still find members meanwhile; the next pass asks again.
      this.options.log.warn('could not list accounts through the admin API', { error: errorText(error) });
      return;
    }
    await this.record(users);
    await this.forgetDeactivated(users, askedAt);
  }

  /**
   * An account the admin API no longer lists as active was deactivated (Synapse
   * has already taken it out of every room): it is no member any more, and is
   * never invited again.
   */
  private async forgetDeactivated(active: readonly string[], askedAt: number): Promise<void> {
    const listed = new Set(active);
    for (const member of await this.options.members.all()) {
      // Someone first seen after the list was asked for may simply be newer than it.
      if (member.leftAt !== null || listed.has(member.userId) || member.firstSeenAt >= askedAt) continue;
      await this.options.members.markLeft(member.userId, this.now());
      this.options.log.info('a member\'s account was deactivated; no longer a member', { user_id: member.userId });
    }
  }

  /**
   * Invites every member already welcomed (and still here) to one more room:
   * a neighbor's room this server's bot has just joined. New members get it
   * with their welcome, since it is among the welcome rooms from then on. The
   * invitations go out in the one pass that sends all others, never beside it;
   * resolves once a pass has tried them.
   */
  async inviteWelcomedTo(roomId: string): Promise<void> {
    this.oweLaterRoom(roomId);
    await this.passes.request();
  }

  /** Marks a room as owed to every welcomed member, for the next pass (at start-up, before start()). */
  oweLaterRoom(roomId: string): void {
    this.laterRooms.add(roomId);
  }

  /** A room stays owed until every welcomed member's invitation to it is sent or given up. */
  private async inviteToLaterRooms(): Promise<void> {
    const stopping = (): boolean => this.passes.stopping;
    for (const roomId of [...this.laterRooms]) {
      const welcomed = (await this.options.members.all()).filter((m) => m.invitedAt !== null && m.leftAt === null);
      let complete = true;
      for (const member of welcomed) {
        const progress = await this.welcome.inviteMember(member.userId, [roomId], stopping);
        if (progress === 'pause' || progress === 'stopped') return;
        if (progress === 'owed') complete = false;
      }
      if (complete) this.laterRooms.delete(roomId);
    }
  }

  /** Whether a member may be invited now; one whose admission fails waits for a later pass. */
  private async admitted(userId: string): Promise<boolean> {
    if (!this.options.admission) return true;
    try {
      return (await this.options.admission(userId)) === 'let in';
    } catch (error) {
      this.options.log.warn('could not decide whether to let a member in; will try again', { user_id: userId, error: errorText(error) });
      return false;
    }
  }

  /** Welcomes the members never invited; false when the pass should end here (paused or stopping). */
  private async inviteAwaiting(): Promise<boolean> {
    const stopping = (): boolean => this.passes.stopping;
    if (stopping()) return false;
    const awaiting = await this.options.members.awaitingInvite();
    if (awaiting.length === 0) return true;
    const rooms = await this.options.welcomeRooms();
    // Before the community's rooms exist there is nothing to invite to; the member stays awaiting.
    if (rooms.length === 0) return true;
    for (const userId of awaiting) {
      if (!(await this.admitted(userId))) continue;
      const progress = await this.welcome.inviteMember(userId, rooms, stopping);
      if (progress === 'done') await this.options.members.markInvited(userId, this.now());
      // 'owed': this member waits for the next pass while the others go on.
      if (progress === 'pause' || progress === 'stopped') return false;
    }
    return true;
  }
}
