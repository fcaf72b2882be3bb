// `!member remove`: taking someone out of the community. The removal is
// recorded with its job in one database transaction; the job's steps
// (jobs/kinds/member-removal.ts) are run, retried and resumed by the job runner.
import type { JobRunner } from '../jobs/index.ts';
import { MEMBER_REMOVAL, removalItems } from '../jobs/kinds/member-removal.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { MemberRemovalJob, MemberRemovalsStore } from '../store/member-removals-store.ts';

export interface MemberRemovalsOptions {
  store: Pick<MemberRemovalsStore, 'create' | 'unfinishedFor'>;
  rooms: Pick<ManagedRoomsStore, 'all'>;
  jobs: Pick<JobRunner, 'enqueueWith'>;
  now?: () => number;
}

export class MemberRemovals {
  private readonly o: MemberRemovalsOptions;

  constructor(options: MemberRemovalsOptions) {
    this.o = options;
  }

  /** Records a removal and starts it; an unfinished removal of the same member is returned instead. */
  async start(userId: string, reason: string, deactivate: boolean, requestedBy: string): Promise<{ job: MemberRemovalJob; fresh: boolean }> {
    const running = await this.o.store.unfinishedFor(userId);
    if (running) return { job: running, fresh: false };
    const rooms = await this.o.rooms.all();
    let removal: MemberRemovalJob | undefined;
    await this.o.jobs.enqueueWith(MEMBER_REMOVAL, async (trx) => {
      removal = await this.o.store.create({ userId, reason, deactivate, requestedBy, requestedAt: (this.o.now ?? Date.now)() }, trx);
      return { subject: String(removal.id), items: removalItems(rooms, deactivate) };
    });
    if (!removal) throw new Error('the removal was not recorded');
    return { job: removal, fresh: true };
  }
}
