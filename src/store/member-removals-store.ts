// `!member remove`: one row per removal, the record of who removed whom and
// why, each step stamped when it is done. The steps themselves are the items
// of the removal's job (jobs/kinds/member-removal.ts), which a restart resumes.
import type { Knex } from 'knex';
import type { Database } from './database.ts';

export type RemovalStep = 'told' | 'kicked' | 'invitations_revoked' | 'deactivated';

export interface MemberRemovalJob {
  id: number;
  userId: string;
  reason: string;
  deactivate: boolean;
  requestedBy: string;
  requestedAt: number;
  /** When each step was done. */
  done: Partial<Record<RemovalStep, number>>;
  finishedAt: number | null;
}

export interface MemberRemovalsStore {
  /** Records a removal; `trx`, the transaction that records its job. */
  create(job: Pick<MemberRemovalJob, 'userId' | 'reason' | 'deactivate' | 'requestedBy' | 'requestedAt'>, trx?: Knex.Transaction): Promise<MemberRemovalJob>;
  get(id: number): Promise<MemberRemovalJob | null>;
  unfinished(): Promise<MemberRemovalJob[]>;
  /** The unfinished removal of a member, if one runs. */
  unfinishedFor(userId: string): Promise<MemberRemovalJob | null>;
  markStep(id: number, step: RemovalStep, now: number): Promise<void>;
  finish(id: number, now: number): Promise<void>;
}

interface Row {
  id: number;
  user_id: string;
  reason: string;
  deactivate: boolean | number;
  requested_by: string;
  requested_at: number | string;
  told_at: number | string | null;
  kicked_at: number | string | null;
  invitations_revoked_at: number | string | null;
  deactivated_at: number | string | null;
  finished_at: number | string | null;
}

const STEP_COLUMNS = {
  told: 'told_at',
  kicked: 'kicked_at',
  invitations_revoked: 'invitations_revoked_at',
  deactivated: 'deactivated_at',
} as const satisfies Record<RemovalStep, keyof Row>;

function fromRow(row: Row): MemberRemovalJob {
  const done: Partial<Record<RemovalStep, number>> = {};
  for (const [step, column] of Object.entries(STEP_COLUMNS) as [RemovalStep, keyof Row][]) {
    const value = row[column];
    if (value !== null) done[step] = Number(value);
  }
  return {
    id: row.id,
    userId: row.user_id,
    reason: row.reason,
    // SQLite answers 0 or 1.
    deactivate: Boolean(row.deactivate),
    requestedBy: row.requested_by,
    requestedAt: Number(row.requested_at),
    done,
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

export function createMemberRemovalsStore(db: Database): MemberRemovalsStore {
  const removals = () => db<Row>('member_removals');
  return {
    async create(job, trx) {
      const [row] = await (trx ?? db)<Row>('member_removals').insert({
        user_id: job.userId, reason: job.reason, deactivate: job.deactivate, requested_by: job.requestedBy, requested_at: job.requestedAt,
      }).returning('*');
      if (!row) throw new Error('the removal was not recorded');
      return fromRow(row);
    },
    async get(id) {
      const row = await removals().where({ id }).first();
      return row ? fromRow(row) : null;
    },
    async unfinished() {
      return (await removals().whereNull('finished_at').orderBy('id')).map(fromRow);
    },
    async unfinishedFor(userId) {
      const row = await removals().where({ user_id: userId }).whereNull('finished_at').first();
      return row ? fromRow(row) : null;
    },
    async markStep(id, step, now) {
      await removals().where({ id }).update({ [STEP_COLUMNS[step]]: now });
    },
    async finish(id, now) {
      await removals().where({ id }).update({ finished_at: now });
    },
  };
}
