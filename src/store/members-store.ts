// The community's members as Hearth knows them: when it first saw each one,
// when it invited them, whether they left (then they are never invited again),
// and whether someone else removed them from the space (then they are no
// longer a member, until an admin invites them back).
import type { Database } from './database.ts';

export interface MemberRow {
  userId: string;
  firstSeenAt: number;
  invitedAt: number | null;
  leftAt: number | null;
}

/** Who was removed from the community, when and by whom. */
export interface Removal {
  removedAt: number;
  removedBy: string;
}

export interface MembersStore {
  /** Adds members not seen before; returns the ones that are new. */
  addNew(userIds: readonly string[], now: number): Promise<string[]>;
  get(userId: string): Promise<MemberRow | null>;
  /** Members never invited and who have not left. */
  awaitingInvite(): Promise<string[]>;
  markInvited(userId: string, now: number): Promise<void>;
  markLeft(userId: string, now: number): Promise<void>;
  all(): Promise<MemberRow[]>;
}

/** The people someone else kicked or banned from the space: no longer members. */
export interface RemovedMembersStore {
  /** Records a removal; recorded even for someone not seen before. They are never invited by the welcome loop again. */
  markRemoved(userId: string, by: string, now: number): Promise<void>;
  /** An admin let them back in: a member again. Returns whether they had been removed. */
  clearRemoved(userId: string): Promise<boolean>;
  /** Everyone removed and not let back in. */
  removed(): Promise<string[]>;
  removal(userId: string): Promise<Removal | null>;
}

interface Row {
  user_id: string;
  first_seen_at: number | string;
  invited_at: number | string | null;
  left_at: number | string | null;
  removed_at: number | string | null;
  removed_by: string | null;
}

const toNumber = (value: number | string | null): number | null => (value === null ? null : Number(value));

function fromRow(row: Row): MemberRow {
  return { userId: row.user_id, firstSeenAt: Number(row.first_seen_at), invitedAt: toNumber(row.invited_at), leftAt: toNumber(row.left_at) };
}

export function createMembersStore(db: Database): MembersStore & RemovedMembersStore {
  const members = () => db<Row>('members');
  return {
    async addNew(userIds, now) {
      if (userIds.length === 0) return [];
      const known = new Set((await members().whereIn('user_id', [...userIds]).select('user_id')).map((r) => r.user_id));
      const fresh = [...new Set(userIds)].filter((id) => !known.has(id));
      if (fresh.length > 0) {
        await members().insert(fresh.map((user_id) => ({ user_id, first_seen_at: now }))).onConflict('user_id').ignore();
      }
      return fresh;
    },
    async get(userId) {
      const row = await members().where({ user_id: userId }).first();
      return row ? fromRow(row) : null;
    },
    async awaitingInvite() {
      return (await members().whereNull('invited_at').whereNull('left_at').orderBy('first_seen_at').select('user_id')).map((r) => r.user_id);
    },
    async markInvited(userId, now) {
      await members().where({ user_id: userId }).update({ invited_at: now });
    },
    async markLeft(userId, now) {
      await members().where({ user_id: userId }).whereNull('left_at').update({ left_at: now });
    },
    async markRemoved(userId, by, now) {
      // Removal implies leaving: they are never invited again by the welcome loop.
      await members().insert({ user_id: userId, first_seen_at: now, left_at: now, removed_at: now, removed_by: by })
        .onConflict('user_id').merge({ removed_at: now, removed_by: by });
      await members().where({ user_id: userId }).whereNull('left_at').update({ left_at: now });
    },
    async clearRemoved(userId) {
      return (await members().where({ user_id: userId }).whereNotNull('removed_at').update({ removed_at: null, removed_by: null })) > 0;
    },
    async removed() {
      return (await members().whereNotNull('removed_at').orderBy('user_id').select('user_id')).map((r) => r.user_id);
    },
    async removal(userId) {
      const row = await members().where({ user_id: userId }).whereNotNull('removed_at').first();
      return row ? { removedAt: Number(row.removed_at), removedBy: row.removed_by ?? '' } : null;
    },
    async all() {
      return (await members().orderBy('user_id')).map(fromRow);
    },
  };
}
