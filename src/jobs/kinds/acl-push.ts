// ACL push: one item per room. Each room is written through the reconciler,
// which computes the ACL from the facts now and compares before it writes, so
// a room already carrying it is not written again, and two decisions converge
// on whichever write comes last. In the same step the reconciler removes every
// user the room's tier no longer allows: the homeserver keeps sending a room's
// events to any server with a joined user, whatever the ACL says.
import type { NotifyAdmins } from '../../community/admin-notices.ts';
import type { JobCounts, JobsStore } from '../../store/jobs-store.ts';
import type { Reconciler } from '../../tiers/reconciler.ts';
import type { JobKind } from '../kind.ts';

export const ACL_PUSH = 'acl-push';

export interface AclPushOptions {
  reconciler: Pick<Reconciler, 'reconcileAcl' | 'reconcileMembers'>;
  store: Pick<JobsStore, 'items'>;
  notify: NotifyAdmins;
  concurrency: number;
  progressEveryMs: number;
  roomDelayMs: number;
}

/** The failed rooms named in the final report, at most this many. */
const NAMED_FAILURES = 5;

export function aclPushKind(o: AclPushOptions): JobKind {
  return {
    name: ACL_PUSH,
    concurrency: o.concurrency,
    itemDelayMs: o.roomDelayMs,
    progressEveryMs: o.progressEveryMs,
    open: (job) => Promise.resolve({
      async runItem({ key: roomId }) {
        await o.reconciler.reconcileAcl(roomId);
        await o.reconciler.reconcileMembers(roomId, { kind: 'job', reason: job.subject });
        return undefined;
      },
      progress: (counts) => o.notify(`ACL applied to ${applied(counts)}${counts.failed > 0 ? ` (${counts.failed} failed; see the log)` : ''}… (${job.subject})`),
      async finished(counts) {
        const failed = counts.failed > 0 ? await o.store.items(job.id, 'failed') : [];
        const named = failed.slice(0, NAMED_FAILURES).map((item) => `${item.key}: ${item.lastError ?? 'no reason recorded'}`);
        const more = failed.length > NAMED_FAILURES ? `; and ${failed.length - NAMED_FAILURES} more in the log` : '';
        await o.notify(`ACL applied to ${applied(counts)}${failed.length > 0 ? ` (${failed.length} failed: ${named.join('; ')}${more})` : ''}: done. (${job.subject})`);
      },
    }),
  };
}

function applied(counts: JobCounts): string {
  return `${counts.done}/${counts.total} rooms`;
}
