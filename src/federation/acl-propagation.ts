// Which rooms an ACL change goes to: every federating managed room, those of
// the tiers a change concerns, or the rooms a narrowing names. The change
// itself is an ACL push job (jobs/kinds/acl-push.ts), run and resumed by the
// job runner.
import { ACL_PUSH } from '../jobs/kinds/acl-push.ts';
import type { JobRunner } from '../jobs/index.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import { federates, type Tier } from '../tiers/tier.ts';

/** An ACL change on its way: its job and the reason it was made. */
export interface AclJob {
  id: number;
  reason: string;
  createdAt: number;
  finishedAt: number | null;
}

export class AclPropagation {
  private readonly jobs: JobRunner;
  private readonly rooms: Pick<ManagedRoomsStore, 'all'>;

  constructor(jobs: JobRunner, rooms: Pick<ManagedRoomsStore, 'all'>) {
    this.jobs = jobs;
    this.rooms = rooms;
  }

  /**
   * Records a job for every federating managed room, or for those of the
   * tiers `concerned` names (a change of neighbors concerns the neighborhood
   * rooms alone), and starts it.
   */
  async enqueue(reason: string, concerned: (tier: Tier) => boolean = federates): Promise<AclJob> {
    const roomIds = (await this.rooms.all()).filter((r) => federates(r.tier) && concerned(r.tier) && r.roomId).map((r) => r.roomId ?? '');
    return this.enqueueRooms(reason, roomIds);
  }

  /** Records a job for the given rooms only (a room whose own tier changed) and starts it. */
  async enqueueRooms(reason: string, roomIds: readonly string[]): Promise<AclJob> {
    const job = await this.jobs.enqueue(ACL_PUSH, reason, roomIds);
    return { id: job.id, reason: job.subject, createdAt: job.createdAt, finishedAt: job.finishedAt };
  }
}
