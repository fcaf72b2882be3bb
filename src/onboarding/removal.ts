// `!member remove`: taking someone out of the community, as a persisted job.
// Each step is stamped in the database when done, so a stop or a crash in the
// middle resumes at the next start from the first step not yet stamped:
//   1. tell them, by DM, with the reason, before anything happens (and record
//      them as removed, so no pass invites them again and no room keeps them);
//   2. kick them from the space and from every managed room of every tier
//      (a restricted room checks the space only when someone joins, so a
//      member left joined would keep reading);
//   3. revoke the invitations they made (they are off the Bugle's list from 1);
//   4. with --deactivate, deactivate the account through the admin API.
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { DirectMessage } from '../community/direct-messages.ts';
import type { Logger } from '../logging/logger.ts';
import { BackgroundRuns } from '../matrix/background-runs.ts';
import { MatrixError, type HomeserverClient } from '../matrix/client.ts';
import { errorText, sleep, withRetries } from '../matrix/retry.ts';
import type { SynapseAdmin } from '../matrix/synapse-admin.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { MemberRemovalJob, MemberRemovalsStore } from '../store/member-removals-store.ts';
import type { RemovedMembersStore } from '../store/members-store.ts';
import { count } from '../text/plural.ts';
import type { Invitations } from './invitations.ts';

/** The kick's reason: neutral, as every reason Hearth writes; the admin's reason went to the member's DM. */
export const REMOVED_FROM_COMMUNITY = 'Hearth removed you: you are no longer a member of this community.';

export interface MemberRemovalsOptions {
  store: MemberRemovalsStore;
  client: Pick<HomeserverClient, 'kick' | 'getStateEvent'>;
  rooms: Pick<ManagedRoomsStore, 'all'>;
  members: Pick<RemovedMembersStore, 'markRemoved'>;
  messenger: { send(userId: string, message: DirectMessage): Promise<unknown> };
  invitations: Pick<Invitations, 'revokeAllFrom'>;
  admin: Pick<SynapseAdmin, 'deactivateUser'> | null;
  communityName: string;
  notify: NotifyAdmins;
  log: Logger;
  /** A pause before each room (tests that stop Hearth halfway). */
  roomDelayMs: number;
  now?: () => number;
}

const ATTEMPTS = 6;
const BACKOFF_BASE_MS = 500;

export class MemberRemovals {
  private readonly o: MemberRemovalsOptions;
  private readonly runs = new BackgroundRuns();

  constructor(options: MemberRemovalsOptions) {
    this.o = options;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Records a removal and starts it; an unfinished removal of the same member is returned instead. */
  async start(userId: string, reason: string, deactivate: boolean, requestedBy: string): Promise<{ job: MemberRemovalJob; fresh: boolean }> {
    const running = await this.o.store.unfinishedFor(userId);
    if (running) return { job: running, fresh: false };
    const job = await this.o.store.create({ userId, reason, deactivate, requestedBy, requestedAt: this.now() });
    this.launch(job);
    return { job, fresh: true };
  }

  /** Resumes the removals a previous run left unfinished. */
  async resume(): Promise<void> {
    for (const job of await this.o.store.unfinished()) {
      this.o.log.info('resuming a member removal', { job_id: job.id, user_id: job.userId });
      this.launch(job);
    }
  }

  idle(): Promise<void> {
    return this.runs.idle();
  }

  stop(): Promise<void> {
    return this.runs.stop();
  }

  private launch(job: MemberRemovalJob): void {
    this.runs.launch(job.id, () => this.run(job), (error) => {
      this.o.log.error('a member removal stopped with an error; it resumes at the next start', { job_id: job.id, user_id: job.userId, error });
      this.o.notify(`Removing ${job.userId} stopped with an error (${errorText(error)}); Hearth tries again at its next start.`).catch((notifyError: unknown) => {
        this.o.log.warn('could not tell the admins that a removal stopped', { job_id: job.id, error: errorText(notifyError) });
      });
    });
  }

  private async run(job: MemberRemovalJob): Promise<void> {
    const { userId } = job;
    if (job.done.told === undefined) {
      await this.tell(job);
      await this.o.members.markRemoved(userId, job.requestedBy, this.now());
      await this.o.store.markStep(job.id, 'told', this.now());
    }
    if (job.done.kicked === undefined) {
      const kicked = await this.kickEverywhere(userId);
      if (kicked === 'stopped') return;
      await this.o.store.markStep(job.id, 'kicked', this.now());
      await this.o.notify(`Removing ${userId}: out of the space and every managed room (${count(kicked, 'room')} left just now).`);
    }
    if (job.done.invitations_revoked === undefined) {
      const revoked = await this.o.invitations.revokeAllFrom(userId, job.requestedBy);
      await this.o.store.markStep(job.id, 'invitations_revoked', this.now());
      if (revoked > 0) await this.o.notify(`Removing ${userId}: revoked ${count(revoked, 'open invitation')} they had made.`);
    }
    if (job.deactivate && job.done.deactivated === undefined) {
      if (!this.o.admin) throw new Error('deactivating an account needs homeserver.admin_token');
      await this.o.admin.deactivateUser(userId);
      await this.o.store.markStep(job.id, 'deactivated', this.now());
      await this.o.notify(`Removing ${userId}: the account is deactivated.`);
    }
    await this.o.store.finish(job.id, this.now());
    this.o.log.info('removed a member', { job_id: job.id, user_id: userId, deactivated: job.deactivate });
    await this.o.notify(`${userId} is removed from the community${job.deactivate ? ' and their account deactivated' : ''}. To let them back in, invite them into the space.`);
  }

  /** Tells the member first; a DM that cannot be sent (a deactivated account) does not keep them in. */
  private async tell(job: MemberRemovalJob): Promise<void> {
    const text = `An admin of ${this.o.communityName} has removed you from the community. The reason given: ${job.reason}\n\nYou are taken out of the community's space and rooms now.`;
    const outcome = await withRetries(async () => {
      await this.o.messenger.send(job.userId, { id: `removal.${job.id}`, text });
    }, { maxAttempts: ATTEMPTS, baseDelayMs: BACKOFF_BASE_MS });
    if (!outcome.ok) {
      this.o.log.warn('could not tell a member they are removed; removing them anyway', { user_id: job.userId, error: errorText(outcome.error) });
      await this.o.notify(`Could not tell ${job.userId} by DM that they are removed (${errorText(outcome.error)}); removing them anyway.`);
    }
  }

  /** Kicks the member from every managed room they are in or invited to, space first; resolves with how many. */
  private async kickEverywhere(userId: string): Promise<number | 'stopped'> {
    // The space first (it is what admits to the rest), then the rooms everyone is in, then the topic rooms.
    const order = (role: string): number => ['space', 'local_timeline', 'neighborhood_square', 'public_square'].indexOf(role) >>> 0;
    const rooms = (await this.o.rooms.all()).filter((room) => room.roomId !== null).sort((a, b) => order(a.role) - order(b.role));
    let kicked = 0;
    for (const room of rooms) {
      if (this.runs.stopping) return 'stopped';
      if (this.o.roomDelayMs > 0) await sleep(this.o.roomDelayMs);
      const roomId = room.roomId ?? '';
      const outcome = await withRetries(async () => {
        const membership = (await this.o.client.getStateEvent(roomId, 'm.room.member', userId))?.membership;
        if (membership !== 'join' && membership !== 'invite') return;
        await this.kick(roomId, userId);
        kicked++;
      }, { maxAttempts: ATTEMPTS, baseDelayMs: BACKOFF_BASE_MS });
      if (!outcome.ok) throw outcome.error;
    }
    return kicked;
  }

  private async kick(roomId: string, userId: string): Promise<void> {
    try {
      await this.o.client.kick(roomId, userId, REMOVED_FROM_COMMUNITY);
    } catch (error) {
      // Gone between the look and the kick: what the kick was for.
      if (error instanceof MatrixError && error.httpStatus === 403) {
        const membership = (await this.o.client.getStateEvent(roomId, 'm.room.member', userId))?.membership;
        if (membership !== 'join' && membership !== 'invite') return;
      }
      throw error;
    }
  }
}
