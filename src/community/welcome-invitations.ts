// Sending a member the welcome invitations they are owed (the space, then the
// default rooms), each at most once. Every invitation is claimed in the
// database before it is sent. A claim whose outcome is unknown (Hearth stopped
// or crashed mid-request, or the request failed for a transient reason) is
// checked against the member's membership in the room before anything is sent
// again, so a restart never repeats an invitation the homeserver already has.
import type { Logger } from '../logging/logger.ts';
import { MatrixError, type HomeserverClient } from '../matrix/client.ts';
import { errorText } from '../matrix/retry.ts';
import type { MemberInvitationsStore } from '../store/member-invitations-store.ts';

/** What became of one invitation. */
export type InvitationOutcome =
  | { kind: 'sent' }
  | { kind: 'given_up'; reason: string }
  /** Still owed. `pause`: the homeserver did not answer or asked to slow down, so the pass ends here. */
  | { kind: 'retry'; reason: string; pause: boolean };

/**
 * Where a member's invitations stand after a try: all sent or given up, some
 * still owed (try the next member), or this pass should end (the homeserver
 * is unreachable or rate-limiting, or Hearth is stopping).
 */
export type MemberProgress = 'done' | 'owed' | 'pause' | 'stopped';

const ALREADY_THERE = /already (in the room|invited|joined)/i;
// Refusals that say "not now" rather than "never".
const TRANSIENT_CODES = new Set(['M_LIMIT_EXCEEDED', 'M_RESOURCE_LIMIT_EXCEEDED']);

/** What a failed invitation request means. */
export function outcomeOfFailure(error: unknown): InvitationOutcome {
  // No Matrix answer at all: a network error, a timeout, a proxy's error page.
  if (!(error instanceof MatrixError)) return { kind: 'retry', reason: errorText(error), pause: true };
  const status = error.httpStatus;
  const reason = `${error.errcode ?? 'no errcode'} (${status}): ${error.data.error ?? error.message}`;
  if (status === 429 || error.errcode === 'M_LIMIT_EXCEEDED') return { kind: 'retry', reason, pause: true };
  if (status >= 500 || status === 0 || TRANSIENT_CODES.has(error.errcode ?? '')) return { kind: 'retry', reason, pause: false };
  // The member joined by themselves, or holds an invitation already: what the invitation was for.
  if (status === 403 && ALREADY_THERE.test(error.data.error ?? error.message)) return { kind: 'sent' };
  return { kind: 'given_up', reason };
}

/** What the member's current membership in a room says about an invitation that may have been sent. */
function outcomeOfMembership(membership: unknown): InvitationOutcome | null {
  // Invited, joined, or left (possibly by rejecting the invitation): nothing more to send.
  if (membership === 'invite' || membership === 'join' || membership === 'leave') return { kind: 'sent' };
  if (membership === 'ban') return { kind: 'given_up', reason: 'banned from the room' };
  return null;
}

export interface WelcomeInvitationsOptions {
  client: Pick<HomeserverClient, 'invite' | 'getStateEvent'>;
  invitations: MemberInvitationsStore;
  log: Logger;
  now: () => number;
}

export class WelcomeInvitations {
  private readonly o: WelcomeInvitationsOptions;

  constructor(options: WelcomeInvitationsOptions) {
    this.o = options;
  }

  /** Sends what `userId` is still owed in `rooms`, in order, one at a time, checking `stopping` before each. */
  async inviteMember(userId: string, rooms: readonly string[], stopping: () => boolean): Promise<MemberProgress> {
    const recorded = new Map((await this.o.invitations.of(userId)).map((i) => [i.roomId, i.status]));
    for (const roomId of rooms) {
      const status = recorded.get(roomId);
      if (status === 'sent' || status === 'given_up') continue;
      if (stopping()) return 'stopped';
      const outcome = await this.inviteOnce(roomId, userId, status === 'claimed');
      if (outcome.kind === 'retry') {
        await this.o.invitations.recordFailure(userId, roomId, outcome.reason, this.o.now());
        this.o.log.info('could not invite a member yet; will try again', { room_id: roomId, user_id: userId, reason: outcome.reason });
        return outcome.pause ? 'pause' : 'owed';
      }
      if (outcome.kind === 'given_up') {
        await this.o.invitations.settle(userId, roomId, 'given_up', this.o.now(), outcome.reason);
        this.o.log.warn('gave up inviting a member', { room_id: roomId, user_id: userId, reason: outcome.reason });
      } else {
        await this.o.invitations.settle(userId, roomId, 'sent', this.o.now());
      }
    }
    return 'done';
  }

  private async inviteOnce(roomId: string, userId: string, claimedBefore: boolean): Promise<InvitationOutcome> {
    // The claim is written outside the try: a database error stops the pass rather than passing for a refusal.
    if (!claimedBefore) await this.o.invitations.claim(userId, roomId, this.o.now());
    try {
      if (claimedBefore) {
        const known = outcomeOfMembership((await this.o.client.getStateEvent(roomId, 'm.room.member', userId))?.membership);
        if (known) return known;
      }
      await this.o.client.invite(roomId, userId);
      return { kind: 'sent' };
    } catch (error) {
      return outcomeOfFailure(error);
    }
  }
}
