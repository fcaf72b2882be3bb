// ACL changes as the admin pages show them: the unfinished ACL push jobs and
// how far each has got. The jobs themselves are the job runner's
// (jobs-store.ts, jobs/kinds/acl-push.ts); this only reads them.
import type { Database } from './database.ts';
import { createJobsStore } from './jobs-store.ts';

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
  unfinished(): Promise<AclJob[]>;
  progress(jobId: number): Promise<JobProgress>;
}

/** The kind's name, as jobs/kinds/acl-push.ts records it. */
const ACL_PUSH = 'acl-push';

export function createAclJobsStore(db: Database): AclJobsStore {
  const jobs = createJobsStore(db);
  return {
    async unfinished() {
      return (await jobs.unfinished(ACL_PUSH)).map((job) => ({ id: job.id, reason: job.subject, createdAt: job.createdAt, finishedAt: job.finishedAt }));
    },
    async progress(jobId) {
      const { total, done, failed } = await jobs.counts(jobId);
      return { total, done, failed };
    },
  };
}
