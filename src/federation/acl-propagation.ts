// Sends an ACL change to every federating managed room: concurrently within a
// bound, honouring 429s, retrying other errors with backoff, reporting
// progress in the admin room, and persisted room by room so that a restart
// resumes where it stopped. Each room is written through the reconciler, which
// compares before it writes: a room already carrying the ACL is not written again.
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { errorText, forEachConcurrently, sleep, withRetries } from '../matrix/retry.ts';
import { BackgroundRuns } from '../matrix/background-runs.ts';
import { serverNameOf } from '../matrix/event.ts';
import type { AclJob, AclJobsStore } from '../store/acl-jobs-store.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { RoomMembersStore } from '../store/room-members-store.ts';
import type { Reconciler } from '../tiers/reconciler.ts';
import { federates } from '../tiers/tier.ts';
import { globMatches } from './server-names.ts';

export interface AclPropagationOptions {
  client: HomeserverClient;
  jobs: AclJobsStore;
  rooms: ManagedRoomsStore;
  members: RoomMembersStore;
  reconciler: Reconciler;
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
  async enqueue(reason: string, kickGlobs: readonly string[]): Promise<AclJob> {
    const roomIds = (await this.o.rooms.all()).filter((r) => federates(r.tier) && r.roomId).map((r) => r.roomId ?? '');
    const job = await this.o.jobs.create(reason, kickGlobs, roomIds, this.now());
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
      await this.removeCutOffUsers(roomId, job.kickGlobs, job.reason);
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

  private async removeCutOffUsers(roomId: string, globs: readonly string[], reason: string): Promise<void> {
    if (globs.length === 0) return;
    const joined = (await this.o.members.joined([roomId])).get(roomId) ?? [];
    const cutOff = joined.filter((userId) => globs.some((glob) => globMatches(glob, serverNameOf(userId))));
    for (const userId of cutOff) {
      await this.o.client.kick(roomId, userId, `Their server is no longer federated with this community: ${reason}`);
      await this.o.members.setMembership(roomId, userId, 'leave');
    }
  }
}
