// The welcome invitations each member is owed, room by room: claimed before
// they are sent, then settled as sent or given up. The claim is what makes an
// invitation go out at most once, even when Hearth stops in the middle.
import type { Database } from './database.ts';

/**
 * claimed: being sent, or sent without a known outcome (a stop, a crash, a
 * transient failure); sent: the member is invited (or was already there);
 * given_up: the homeserver refused it for good.
 */
export type InvitationStatus = 'claimed' | 'sent' | 'given_up';

export interface MemberInvitation {
  userId: string;
  roomId: string;
  status: InvitationStatus;
  /** How many times sending it failed for a transient reason. */
  attempts: number;
  lastError: string | null;
  updatedAt: number;
}

export interface MemberInvitationsStore {
  /** The invitations recorded for a member so far. */
  of(userId: string): Promise<MemberInvitation[]>;
  /** Records that the invitation is about to be sent; fails if it was claimed before. */
  claim(userId: string, roomId: string, now: number): Promise<void>;
  /** A claimed invitation that failed for now: it stays claimed, with the reason. */
  recordFailure(userId: string, roomId: string, reason: string, now: number): Promise<void>;
  /** The invitation's final outcome; `reason` says why it was given up. */
  settle(userId: string, roomId: string, status: 'sent' | 'given_up', now: number, reason?: string): Promise<void>;
}

interface Row {
  user_id: string;
  room_id: string;
  status: InvitationStatus;
  attempts: number;
  last_error: string | null;
  updated_at: number | string;
}

function fromRow(row: Row): MemberInvitation {
  return {
    userId: row.user_id,
    roomId: row.room_id,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    updatedAt: Number(row.updated_at),
  };
}

export function createMemberInvitationsStore(db: Database): MemberInvitationsStore {
  const invitations = () => db<Row>('member_invitations');
  return {
    async of(userId) {
      return (await invitations().where({ user_id: userId }).orderBy('room_id')).map(fromRow);
    },
    async claim(userId, roomId, now) {
      // A plain insert: a second claim of the same invitation is an error, never a second invitation.
      await invitations().insert({ user_id: userId, room_id: roomId, status: 'claimed', attempts: 0, last_error: null, updated_at: now });
    },
    async recordFailure(userId, roomId, reason, now) {
      await invitations().where({ user_id: userId, room_id: roomId, status: 'claimed' })
        .update({ attempts: db.raw('attempts + 1'), last_error: reason, updated_at: now });
    },
    async settle(userId, roomId, status, now, reason) {
      await invitations().where({ user_id: userId, room_id: roomId }).update({ status, last_error: reason ?? null, updated_at: now });
    },
  };
}
