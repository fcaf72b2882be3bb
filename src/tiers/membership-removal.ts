// Doing, not deciding: the one place that kicks people out of managed rooms,
// called by the reconciler with the users the membership policy no longer
// allows. Every kick carries one of the policy's fixed, neutral reasons: the
// kicked user's server keeps the reason, and it is outside the room's audience.
import type { Logger } from '../logging/logger.ts';
import { MatrixError, type HomeserverClient } from '../matrix/client.ts';
import type { Presence, RoomMembersStore } from '../store/room-members-store.ts';
import { REMOVAL_REASON, WITHDRAWAL_REASON } from './membership-policy.ts';

export interface MemberRemovalOptions {
  client: Pick<HomeserverClient, 'kick' | 'getStateEvent'>;
  /** What Hearth remembers of room membership; told at once, so a job that reads it next does not kick twice. */
  roomMembers: Pick<RoomMembersStore, 'setMembership'>;
  log: Logger;
}

export interface Removal {
  userId: string;
  /** An invitation withdrawn rather than a joined user removed. */
  wasInvited: boolean;
}

export class MemberRemoval {
  private readonly o: MemberRemovalOptions;

  constructor(options: MemberRemovalOptions) {
    this.o = options;
  }

  /**
   * Removes each user from the room; returns those actually removed. A user
   * who already left (the homeserver refuses the kick, and their membership
   * says so) is nobody to remove; any other failure is thrown for a retry.
   *
   * Invitations are withdrawn before anyone joined is removed: while a
   * server still has a user joined, it can turn its own users' invitations
   * into joins by itself, without asking this server, and so without meeting
   * the ACL that already shuts it out.
   */
  async remove(roomId: string, users: readonly Presence[]): Promise<Removal[]> {
    const removed: Removal[] = [];
    const invitationsFirst = [...users.filter((u) => u.membership === 'invite'), ...users.filter((u) => u.membership !== 'invite')];
    for (const { userId, membership } of invitationsFirst) {
      const wasInvited = membership === 'invite';
      if (await this.kick(roomId, userId, wasInvited ? WITHDRAWAL_REASON : REMOVAL_REASON)) {
        removed.push({ userId, wasInvited });
        this.o.log.info(wasInvited ? 'withdrew an invitation the room\'s tier does not allow' : 'removed a user the room\'s tier does not allow', { room_id: roomId, user_id: userId });
      }
      await this.o.roomMembers.setMembership(roomId, userId, 'leave');
    }
    return removed;
  }

  private async kick(roomId: string, userId: string, reason: string): Promise<boolean> {
    try {
      await this.o.client.kick(roomId, userId, reason);
      return true;
    } catch (error) {
      if (!(error instanceof MatrixError) || error.httpStatus !== 403) throw error;
      const membership = (await this.o.client.getStateEvent(roomId, 'm.room.member', userId))?.membership;
      if (membership === 'join' || membership === 'invite') throw error;
      return false;
    }
  }
}
