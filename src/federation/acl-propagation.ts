// Sends an ACL change to every federating managed room (or to the rooms a
// narrowing names): concurrently within a bound, honouring 429s, retrying
// other errors with backoff, reporting progress in the admin room, and
// persisted room by room so that a restart resumes where it stopped. Each room
// is written through the reconciler, which compares before it writes: a room
// already carrying the ACL is not written again. In the same step the
// reconciler removes every user the room's tier no longer allows: the
// homeserver keeps sending a room's events to any server with a joined user,
// whatever the ACL says, so the ACL alone would stop nothing.
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { errorText, forEachConcurrently, sleep, withRetries } from '../matrix/retry.ts';
import { BackgroundRuns } from '../matrix/background-runs.ts';
import type { AclJob, AclJobsStore } from '../store/acl-jobs-store.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { Reconciler } from '../tiers/reconciler.ts';
import { federates } from '../tiers/tier.ts';

export interface AclPropagationOptions {
  client: HomeserverClient;
  jobs: AclJobsStore;
  rooms: ManagedRoomsStore;
  reconciler: Pick<Reconciler, 'reconcileAcl' | 'reconcileMembers'>;
  notify: NotifyAdmins;
  log: Logger;
  concurrency: number;
  progressEveryMs: number;
  roomDelayMs: number;
  maxAttempts?: number;
  now?: () => number;
}

const BACKOFF_BASE_MS = 500;


export class AclPropagation {
  private readonly o: AclPropagationOptions;
  private readonly runs = new BackgroundRuns();

  constructor(options: AclPropagationOptions) {
    this.o = options;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Records a job for every federating managed room and starts it. */
  async enqueue(reason: string): Promise<AclJob> {
    const roomIds = (await this.o.rooms.all()).filter((r) => federates(r.tier) && r.roomId).map((r) => r.roomId ?? '');
    return this.enqueueRooms(reason, roomIds);
  }

  /** Records a job for the given rooms only (a room whose own tier changed) and starts it. */
  async enqueueRooms(reason: string, roomIds: readonly string[]): Promise<AclJob> {
    const job = await this.o.jobs.create(reason, roomIds, this.now());
    this.launch(job);
    return job;
  }

  /** Picks up the jobs a previous run left unfinished. */
  async resume(): Promise<void> {
    for (const job of await this.o.jobs.unfinished()) {
      this.o.log.info('resuming an ACL change', { job_id: job.id, reason: job.reason });
      this.launch(job);
    }
  }

  /** Resolves when every job started so far has finished (tests, benchmarks, shutdown). */
  idle(): Promise<void> {
    return this.runs.idle();
  }

  stop(): Promise<void> {
    return this.runs.stop();
  }

  private launch(job: AclJob): void {
    this.runs.launch(job.id, () => this.run(job), (error) => {
      this.o.log.error('an ACL change stopped with an error; it resumes at the next start', { job_id: job.id, error });
    });
  }

  private async run(job: AclJob): Promise<void> {
    let lastReport = this.now();
    await forEachConcurrently(await this.o.jobs.pendingRooms(job.id), this.o.concurrency, async (roomId) => {
      await this.propagateToRoom(job, roomId);
      if (this.now() - lastReport >= this.o.progressEveryMs) {
        lastReport = this.now();
        await this.report(job, false);
      }
    }, () => this.runs.stopping);
    if (this.runs.stopping) return;
    await this.o.jobs.finish(job.id, this.now());
    await this.report(job, true);
  }

  private async report(job: AclJob, finished: boolean): Promise<void> {
    const { total, done, failed } = await this.o.jobs.progress(job.id);
    const failures = failed > 0 ? ` (${failed} failed; see the log)` : '';
    await this.o.notify(`ACL applied to ${done}/${total} rooms${failures}${finished ? ': done.' : '…'} (${job.reason})`);
  }

  private async propagateToRoom(job: AclJob, roomId: string): Promise<void> {
    const outcome = await withRetries(async () => {
      if (this.o.roomDelayMs > 0) await sleep(this.o.roomDelayMs);
      await this.o.reconciler.reconcileAcl(roomId);
      await this.o.reconciler.reconcileMembers(roomId, { kind: 'job', reason: job.reason });
    }, {
      maxAttempts: this.o.maxAttempts ?? 6,
      baseDelayMs: BACKOFF_BASE_MS,
      onRetry: (attempt, delay, rateLimited, error) => {
        this.o.log.warn('retrying an ACL change for a room', { room_id: roomId, attempt, retry_in_ms: delay, rate_limited: rateLimited, error: errorText(error) });
      },
    });
    if (outcome.ok) {
      await this.o.jobs.markRoom(job.id, roomId, 'done', outcome.attempts, null);
      return;
    }
    this.o.log.error('gave up sending an ACL change to a room', { job_id: job.id, room_id: roomId, attempts: outcome.attempts, error: errorText(outcome.error) });
    await this.o.jobs.markRoom(job.id, roomId, 'failed', outcome.attempts, errorText(outcome.error));
  }
}
