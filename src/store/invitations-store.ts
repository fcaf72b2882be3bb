// Invitation links: who made each, for whom (a note), until when, and what
// became of it. The code is also the Synapse registration token behind it.
import type { Database } from './database.ts';

export type InvitationStatus = 'open' | 'used' | 'revoked';

export interface InvitationRow {
  code: string;
  note: string | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  status: InvitationStatus;
  usedBy: string | null;
  usedAt: number | null;
  revokedBy: string | null;
  revokedAt: number | null;
}

export interface InvitationsStore {
  insert(row: Pick<InvitationRow, 'code' | 'note' | 'createdBy' | 'createdAt' | 'expiresAt'>): Promise<void>;
  /** Removes an invitation that never became real (Synapse refused its token). */
  discard(code: string): Promise<void>;
  get(code: string): Promise<InvitationRow | null>;
  /** Newest first. */
  all(): Promise<InvitationRow[]>;
  /** Invitations with status open whose expiry is after `now`. */
  countOpen(now: number): Promise<number>;
  /** Marks an open invitation used; false when it was not open any more. */
  markUsed(code: string, userId: string, now: number): Promise<boolean>;
  /** Marks an open invitation revoked; false when it was not open. */
  markRevoked(code: string, by: string, now: number): Promise<boolean>;
  /** Open invitations someone created (revoked when they are removed). */
  openCreatedBy(userId: string): Promise<InvitationRow[]>;
}

interface Row {
  code: string;
  note: string | null;
  created_by: string;
  created_at: number | string;
  expires_at: number | string;
  status: InvitationStatus;
  used_by: string | null;
  used_at: number | string | null;
  revoked_by: string | null;
  revoked_at: number | string | null;
}

const optionalNumber = (value: number | string | null): number | null => (value === null ? null : Number(value));

function fromRow(row: Row): InvitationRow {
  return {
    code: row.code,
    note: row.note,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    status: row.status,
    usedBy: row.used_by,
    usedAt: optionalNumber(row.used_at),
    revokedBy: row.revoked_by,
    revokedAt: optionalNumber(row.revoked_at),
  };
}

export function createInvitationsStore(db: Database): InvitationsStore {
  const invitations = () => db<Row>('invitations');
  return {
    async insert(row) {
      await invitations().insert({
        code: row.code, note: row.note, created_by: row.createdBy, created_at: row.createdAt, expires_at: row.expiresAt, status: 'open',
      });
    },
    async discard(code) {
      await invitations().where({ code }).delete();
    },
    async get(code) {
      const row = await invitations().where({ code }).first();
      return row ? fromRow(row) : null;
    },
    async all() {
      return (await invitations().orderBy('created_at', 'desc')).map(fromRow);
    },
    async countOpen(now) {
      const result = await invitations().where({ status: 'open' }).andWhere('expires_at', '>', now).count<{ n: number | string }[]>({ n: '*' });
      return Number(result[0]?.n ?? 0);
    },
    async markUsed(code, userId, now) {
      return (await invitations().where({ code, status: 'open' }).update({ status: 'used', used_by: userId, used_at: now })) > 0;
    },
    async markRevoked(code, by, now) {
      return (await invitations().where({ code, status: 'open' }).update({ status: 'revoked', revoked_by: by, revoked_at: now })) > 0;
    },
    async openCreatedBy(userId) {
      return (await invitations().where({ created_by: userId, status: 'open' })).map(fromRow);
    },
  };
}
