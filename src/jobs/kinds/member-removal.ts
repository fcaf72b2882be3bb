// `!member remove` as a job whose items are its steps, done one at a time in
// order, each stamped on the removal's record when done:
//   tell         the member is told by DM, with the reason, before anything
//                happens, and recorded as removed, so no pass invites them
//                again and no room keeps them;
//   room:<id>    one item per managed room, the space first: kicked if joined
//                or invited (a restricted room checks the space only when
//                someone joins, so a member left joined would keep reading);
//   kicked       the admins hear how many rooms they were taken out of;
//   invitations  the invitations they made are revoked;
//   deactivate   with --deactivate, the account, through the admin API.
import type { NotifyAdmins } from '../../community/admin-notices.ts';
import type { DirectMessage } from '../../community/direct-messages.ts';
import type { Logger } from '../../logging/logger.ts';
import { MatrixError, type HomeserverClient } from '../../matrix/client.ts';
import { describeRefusal, permanentRefusal } from '../../matrix/matrix-error.ts';
import { errorText } from '../../matrix/retry.ts';
import type { SynapseAdmin } from '../../matrix/synapse-admin.ts';
import type { Invitations } from '../../onboarding/invitations.ts';
import type { JobRecord, JobsStore } from '../../store/jobs-store.ts';
import type { MemberRemovalJob, MemberRemovalsStore } from '../../store/member-removals-store.ts';
import type { RemovedMembersStore } from '../../store/members-store.ts';
import { count } from '../../text/plural.ts';
import type { JobKind, OpenJob } from '../kind.ts';
import { GiveUp } from '../retry-policy.ts';

export const MEMBER_REMOVAL = 'member-removal';

/** The kick's reason: neutral, as every reason Hearth writes; the admin's reason went to the member's DM. */
export const REMOVED_FROM_COMMUNITY = 'Hearth removed you: you are no longer a member of this community.';

const ROOM_PREFIX = 'room:';
// The space first (it is what admits to the rest), then the rooms everyone is in, then the topic rooms.
const ROOM_ORDER = ['space', 'local_timeline', 'neighborhood_square', 'public_square'];

/** A removal's items, in order, for the managed rooms there are now. */
export function removalItems(rooms: readonly { roomId: string | null; role: string }[], deactivate: boolean): string[] {
  const order = (role: string): number => ROOM_ORDER.indexOf(role) >>> 0;
  const roomIds = rooms.filter((room) => room.roomId !== null).sort((a, b) => order(a.role) - order(b.role)).map((room) => `${ROOM_PREFIX}${room.roomId ?? ''}`);
  return ['tell', ...roomIds, 'kicked', 'invitations', ...(deactivate ? ['deactivate'] : [])];
}

export interface MemberRemovalOptions {
  store: Pick<MemberRemovalsStore, 'get' | 'markStep' | 'finish'>;
  jobs: Pick<JobsStore, 'items'>;
  client: Pick<HomeserverClient, 'kick' | 'getStateEvent'>;
  members: Pick<RemovedMembersStore, 'markRemoved'>;
  messenger: { send(userId: string, message: DirectMessage): Promise<unknown> };
  invitations: Pick<Invitations, 'revokeAllFrom'>;
  admin: Pick<SynapseAdmin, 'deactivateUser'> | null;
  communityName: string;
  notify: NotifyAdmins;
  log: Logger;
  /** A pause before each step. Only for tests that stop Hearth halfway. */
  stepDelayMs: number;
  now?: () => number;
}

export function memberRemovalKind(o: MemberRemovalOptions): JobKind {
  return { name: MEMBER_REMOVAL, concurrency: 1, itemDelayMs: o.stepDelayMs, open: (job) => openRemoval(o, job) };
}

async function openRemoval(o: MemberRemovalOptions, job: JobRecord): Promise<OpenJob> {
  const removal = await o.store.get(Number(job.subject));
  if (!removal) throw new GiveUp(`the removal ${job.subject} is not recorded`);
  const now = (): number => (o.now ?? Date.now)();
  const { userId } = removal;
  // What the admins hear along the way is a report: one that cannot be sent is logged, and the removal goes on.
  const report = async (text: string): Promise<void> => {
    try {
      await o.notify(text);
    } catch (error) {
      o.log.warn('could not tell the admins how a removal goes; going on', { job_id: job.id, user_id: userId, error: errorText(error) });
    }
  };
  return {
    async runItem({ key }) {
      if (key.startsWith(ROOM_PREFIX)) return kickFrom(o, key.slice(ROOM_PREFIX.length), userId);
      if (key === 'tell') {
        await tell(o, removal, report);
        await o.members.markRemoved(userId, removal.requestedBy, now());
        await o.store.markStep(removal.id, 'told', now());
      } else if (key === 'kicked') {
        await o.store.markStep(removal.id, 'kicked', now());
        const kicked = (await o.jobs.items(job.id, 'done')).filter((item) => item.note === 'kicked').length;
        await report(`Removing ${userId}: out of the space and every managed room (${count(kicked, 'room')} left just now).`);
      } else if (key === 'invitations') {
        const revoked = await o.invitations.revokeAllFrom(userId, removal.requestedBy);
        await o.store.markStep(removal.id, 'invitations_revoked', now());
        if (revoked > 0) await report(`Removing ${userId}: revoked ${count(revoked, 'open invitation')} they had made.`);
      } else if (key === 'deactivate') {
        if (!o.admin) throw new GiveUp('deactivating an account needs homeserver.admin_token');
        await o.admin.deactivateUser(userId);
        await o.store.markStep(removal.id, 'deactivated', now());
        await report(`Removing ${userId}: the account is deactivated.`);
      } else {
        throw new GiveUp(`a removal has no step ${key}`);
      }
      return undefined;
    },
    async finished(counts) {
      await o.store.finish(removal.id, now());
      o.log.info('removed a member', { job_id: job.id, user_id: userId, deactivated: removal.deactivate, failed_steps: counts.failed });
      if (counts.failed > 0) {
        const failed = (await o.jobs.items(job.id, 'failed')).map((item) => `${item.key} (${item.lastError ?? 'no reason recorded'})`);
        await report(`Removing ${userId}: ${count(failed.length, 'step')} could not be done: ${failed.join(', ')}.`);
      }
      await o.notify(`${userId} is removed from the community${removal.deactivate ? ' and their account deactivated' : ''}. To let them back in, invite them into the space.`);
    },
  };
}

/** Tells the member first; a DM the homeserver refuses for good (a deactivated account) does not keep them in. */
async function tell(o: MemberRemovalOptions, removal: MemberRemovalJob, report: (text: string) => Promise<void>): Promise<void> {
  const text = `An admin of ${o.communityName} has removed you from the community. The reason given: ${removal.reason}\n\nYou are taken out of the community's space and rooms now.`;
  try {
    await o.messenger.send(removal.userId, { id: `removal.${removal.id}`, text });
  } catch (error) {
    const refusal = permanentRefusal(error);
    if (!refusal) throw error;
    o.log.warn('could not tell a member they are removed; removing them anyway', { user_id: removal.userId, error: describeRefusal(refusal) });
    await report(`Could not tell ${removal.userId} by DM that they are removed (${describeRefusal(refusal)}); removing them anyway.`);
  }
}

/** Kicks the member from one room if they are in it or invited; the note says which. */
async function kickFrom(o: MemberRemovalOptions, roomId: string, userId: string): Promise<string> {
  const isIn = async (): Promise<boolean> => ['join', 'invite'].includes(String((await o.client.getStateEvent(roomId, 'm.room.member', userId))?.membership));
  if (!(await isIn())) return 'absent';
  try {
    await o.client.kick(roomId, userId, REMOVED_FROM_COMMUNITY);
  } catch (error) {
    // Gone between the look and the kick: what the kick was for.
    if (error instanceof MatrixError && error.httpStatus === 403 && !(await isIn())) return 'absent';
    throw error;
  }
  return 'kicked';
}
