// ACL propagation as a persisted job: one row per job and one per room, so a
// restart resumes with the rooms still pending and never repeats a done one.
import type { Database } from './database.ts';

export interface AclJob {
  id: number;
  reason: string;
  createdAt: number;
  finishedAt: number | null;
}

export interface JobProgress {
  total: number;
  done: number;
  failed: number;
}

export interface AclJobsStore {
  create(reason: string, roomIds: readonly string[], now: number): Promise<AclJob>;
  unfinished(): Promise<AclJob[]>;
  pendingRooms(jobId: number): Promise<string[]>;
  markRoom(jobId: number, roomId: string, status: 'done' | 'failed', attempts: number, error: string | null): Promise<void>;
  progress(jobId: number): Promise<JobProgress>;
  finish(jobId: number, now: number): Promise<void>;
}

interface JobRow {
  id: number;
  reason: string;
  kick_globs: string;
  created_at: number | string;
  finished_at: number | string | null;
}

function jobOf(row: JobRow): AclJob {
  return {
    id: row.id,
    reason: row.reason,
    createdAt: Number(row.created_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

const INSERT_CHUNK = 200;

export function createAclJobsStore(db: Database): AclJobsStore {
  return {
    async create(reason, roomIds, now) {
      return db.transaction(async (trx) => {
        // kick_globs is no longer read: each room's step removes whoever its tier no longer allows.
        const [row] = await trx<JobRow>('acl_jobs').insert({ reason, kick_globs: '[]', created_at: now }).returning('*');
        if (!row) throw new Error('the ACL job was not stored');
        for (let i = 0; i < roomIds.length; i += INSERT_CHUNK) {
          await trx('acl_job_rooms').insert(roomIds.slice(i, i + INSERT_CHUNK).map((room_id) => ({ job_id: row.id, room_id })));
        }
        return jobOf(row);
      });
    },
    async unfinished() {
      return (await db<JobRow>('acl_jobs').whereNull('finished_at').orderBy('id')).map(jobOf);
    },
    async pendingRooms(jobId) {
      const rows: { room_id: string }[] = await db('acl_job_rooms').where({ job_id: jobId, status: 'pending' }).orderBy('room_id').select('room_id');
      return rows.map((r) => r.room_id);
    },
    async markRoom(jobId, roomId, status, attempts, error) {
      await db('acl_job_rooms').where({ job_id: jobId, room_id: roomId }).update({ status, attempts, last_error: error });
    },
    async progress(jobId) {
      const rows: { status: string; n: number | string }[] = await db('acl_job_rooms').where({ job_id: jobId }).groupBy('status').select('status').count({ n: '*' });
      const count = (status: string): number => Number(rows.find((r) => r.status === status)?.n ?? 0);
      return { total: rows.reduce((sum, r) => sum + Number(r.n), 0), done: count('done'), failed: count('failed') };
    },
    async finish(jobId, now) {
      await db('acl_jobs').where({ id: jobId }).update({ finished_at: now });
    },
  };
}
