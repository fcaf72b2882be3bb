// Bugle delivery: one item per recipient, a DM each. A recipient met for the
// first time is introduced to the Bugle first. The DM's transaction ID is kept
// with the item before it is sent, so a retry, even after a crash, sends the
// same transaction and the homeserver answers with the first copy; and when an
// earlier try had it already, the room is searched for that copy first, since
// a homeserver that restarted has forgotten the ID. A recipient who accepts no
// invitations (MSC4380) cannot be given a DM: their copy is `refused` at once,
// never retried, and the sender's report names them, as it names every failed
// copy with its reason.
import { directTxnId, type DirectMessenger } from '../../community/direct-messages.ts';
import type { Logger } from '../../logging/logger.ts';
import type { HomeserverClient } from '../../matrix/client.ts';
import { isInviteBlocked } from '../../matrix/matrix-error.ts';
import { errorText } from '../../matrix/retry.ts';
import type { Broadcast, BugleStore } from '../../store/bugle-store.ts';
import type { JobCounts, JobRecord, JobsStore } from '../../store/jobs-store.ts';
import { introduction, renderBroadcast, type Rendered } from '../../bugle/message.ts';
import type { ItemContext, JobKind, OpenJob } from '../kind.ts';
import { GiveUp } from '../retry-policy.ts';

export const BUGLE_DELIVERY = 'bugle-delivery';

export interface BugleDeliveryOptions {
  bot: Pick<HomeserverClient, 'profile'>;
  messenger: Pick<DirectMessenger, 'roomWith' | 'send' | 'existingRooms' | 'alreadySent'>;
  store: Pick<BugleStore, 'broadcast' | 'finish'>;
  jobs: Pick<JobsStore, 'items'>;
  serverName: string;
  concurrency: number;
  /** A pause before each DM. Only for tests that stop Hearth halfway. */
  delayMs: number;
  log: Logger;
  now?: () => number;
}

export function bugleDeliveryKind(o: BugleDeliveryOptions): JobKind {
  return {
    name: BUGLE_DELIVERY,
    concurrency: o.concurrency,
    itemDelayMs: o.delayMs,
    open: (job) => openDelivery(o, job),
  };
}

async function openDelivery(o: BugleDeliveryOptions, job: JobRecord): Promise<OpenJob> {
  // The DMs are read while the broadcast is: the first copies wait for both, then for the sender's name.
  const [broadcast, rooms] = await Promise.all([o.store.broadcast(Number(job.subject)), o.messenger.existingRooms()]);
  if (!broadcast) throw new GiveUp(`the broadcast ${job.subject} is not recorded`);
  const rendered = renderBroadcast(broadcast.sender, await displayName(o, broadcast.sender), broadcast.body);
  return {
    runItem: (item) => deliver(o, broadcast, rendered, rooms.get(item.key), item),
    refusalStatus: (error) => (isInviteBlocked(error) ? 'refused' : 'failed'),
    async finished(counts) {
      await o.messenger.send(broadcast.sender, { id: `bugle-report.${broadcast.id}`, text: await report(o, job, broadcast, counts) });
      await o.store.finish(broadcast.id, (o.now ?? Date.now)());
      o.log.info('broadcast delivered', { broadcast_id: broadcast.id, delivered: counts.done, failed: counts.failed, refused: counts.refused, opted_out: broadcast.optedOutCount });
    },
  };
}

/** The sender's display name for the broadcast's first line; without it, their user ID stands alone. */
async function displayName(o: BugleDeliveryOptions, sender: string): Promise<string | null> {
  try {
    return (await o.bot.profile(sender)).displayname ?? null;
  } catch (error) {
    o.log.warn('could not read the sender\'s display name; the broadcast names them by user ID', { sender, error: errorText(error) });
    return null;
  }
}

async function deliver(o: BugleDeliveryOptions, broadcast: Broadcast, rendered: Rendered, knownRoom: string | undefined, item: ItemContext): Promise<string> {
  const recipient = item.key;
  const { roomId, created } = knownRoom ? { roomId: knownRoom, created: false } : await o.messenger.roomWith(recipient);
  if (created) await o.messenger.send(recipient, { id: `bugle-intro.${recipient}`, text: introduction(o.serverName) }, roomId);
  const messageId = `bugle.${broadcast.id}.${recipient}`;
  const { reused } = await item.transactionId(() => directTxnId(messageId));
  if (reused && (await o.messenger.alreadySent(roomId, messageId))) return 'found';
  await o.messenger.send(recipient, { id: messageId, text: rendered.text, html: rendered.html }, roomId);
  return 'sent';
}

async function report(o: BugleDeliveryOptions, job: JobRecord, broadcast: Broadcast, counts: JobCounts): Promise<string> {
  const head = `Your broadcast is out: delivered ${counts.done}, opted out ${broadcast.optedOutCount}, ${counts.refused > 0 ? `refused ${counts.refused}, ` : ''}failed ${counts.failed}.`;
  const failed = counts.failed > 0 ? (await o.jobs.items(job.id, 'failed')).map((item) => `${item.key} (${item.lastError ?? 'no reason recorded'})`) : [];
  const refused = counts.refused > 0 ? (await o.jobs.items(job.id, 'refused')).map((item) => item.key) : [];
  return [
    head,
    ...(failed.length > 0 ? [`Failed: ${failed.join(', ')}.`] : []),
    ...(refused.length > 0 ? [`Refused: ${refused.join(', ')}, who accept no invitations, so the Bugle cannot open a chat with them.`] : []),
  ].join(' ');
}
