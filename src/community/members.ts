// Who the community's members are, and getting each one into the space and
// the default rooms exactly once. Hearth learns of a member from Synapse's
// admin API when the config grants it, and in any case at first contact: an
// event from a local user in a room Hearth sees. A member who leaves the space
// or rejects its invitation is never invited again.
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { serverNameOf, type MatrixEvent } from '../matrix/event.ts';
import type { SynapseAdmin } from '../matrix/synapse-admin.ts';
import type { MembersStore } from '../store/members-store.ts';

/**
 * A person of this community: an account on this server that is neither one of
 * Hearth's bots nor a guest (Synapse gives guest accounts numeric names).
 */
export function isCommunityMember(userId: string, serverName: string, isOwnBot: (userId: string) => boolean): boolean {
  return serverNameOf(userId) === serverName && !isOwnBot(userId) && !/^@\d+:/.test(userId);
}

export interface MemberDirectoryOptions {
  client: HomeserverClient;
  members: MembersStore;
  serverName: string;
  /** The space first, then the default rooms a new member is invited to. */
  welcomeRooms: () => Promise<string[]>;
  spaceId: () => Promise<string | null>;
  isOwnBot: (userId: string) => boolean;
  admin: SynapseAdmin | null;
  pollSeconds: number;
  log: Logger;
  now?: () => number;
}

export class MemberDirectory {
  private readonly options: MemberDirectoryOptions;
  private timer: NodeJS.Timeout | null = null;
  // Members already recorded: nearly every event comes from one, and this keeps them off the database.
  private readonly known = new Set<string>();
  private polling: Promise<void> = Promise.resolve();

  constructor(options: MemberDirectoryOptions) {
    this.options = options;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  isLocalMember(userId: string): boolean {
    return isCommunityMember(userId, this.options.serverName, this.options.isOwnBot);
  }

  /** Polls the admin API now and then every poll interval, when the config grants it. */
  start(): void {
    if (!this.options.admin) {
      // Members met before the community's rooms existed are still owed their invitations.
      this.polling = this.inviteAwaiting().catch((error: unknown) => {
        this.options.log.warn('could not send pending invitations', { error: (error as Error).message });
      });
      return;
    }
    const poll = (): void => {
      this.polling = this.discoverFromAdminApi().catch((error: unknown) => {
        this.options.log.warn('could not list accounts through the admin API', { error: (error as Error).message });
      });
    };
    poll();
    this.timer = setInterval(poll, this.options.pollSeconds * 1000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }

  async discoverFromAdminApi(): Promise<void> {
    if (!this.options.admin) return;
    await this.notice((await this.options.admin.localUsers()));
    // Also retries invitations an earlier pass could not send (before the rooms existed).
    await this.inviteAwaiting();
  }

  /** Records the local users not seen before, and invites the new ones. */
  async notice(userIds: readonly string[]): Promise<void> {
    const unknown = userIds.filter((id) => !this.known.has(id) && this.isLocalMember(id));
    if (unknown.length === 0) return;
    const fresh = await this.options.members.addNew(unknown, this.now());
    unknown.forEach((id) => this.known.add(id));
    if (fresh.length === 0) return;
    this.options.log.info('new members', { count: fresh.length });
    await this.inviteAwaiting();
  }

  async inviteAwaiting(): Promise<void> {
    const awaiting = await this.options.members.awaitingInvite();
    if (awaiting.length === 0) return;
    const rooms = await this.options.welcomeRooms();
    // Before the community's rooms exist there is nothing to invite to; the member stays awaiting.
    if (rooms.length === 0) return;
    for (const userId of awaiting) {
      for (const roomId of rooms) await this.inviteOnce(roomId, userId);
      await this.options.members.markInvited(userId, this.now());
    }
  }

  private async inviteOnce(roomId: string, userId: string): Promise<void> {
    try {
      await this.options.client.invite(roomId, userId);
    } catch (error) {
      // Already a member (they joined by themselves) is fine; anything else is worth a line in the log.
      this.options.log.info('did not invite a member', { room_id: roomId, user_id: userId, reason: (error as Error).message });
    }
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
}
