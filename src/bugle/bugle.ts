// The Bugle: a member drafts a broadcast, confirms it, and every other member
// who has not opted out gets it by DM. Deciding who may send what (limits,
// revocations) and to whom is done here; sending is a delivery job's
// (jobs/kinds/bugle-delivery.ts), so how DMs are sent never changes this.
import { CommandError } from '../commands/command.ts';
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { DirectMessenger } from '../community/direct-messages.ts';
import type { Logger } from '../logging/logger.ts';
import { BUGLE_DELIVERY } from '../jobs/kinds/bugle-delivery.ts';
import type { JobRunner } from '../jobs/index.ts';
import type { Broadcast, BugleStore } from '../store/bugle-store.ts';
import type { MembersStore } from '../store/members-store.ts';
import { checkRate, checkText, DAY_MS, HOUR_MS, type BugleLimits } from './limits.ts';
import { digestOf } from './message.ts';
import { count } from '../text/plural.ts';

export interface BugleOptions {
  store: BugleStore;
  members: MembersStore;
  isCommunityMember: (userId: string) => boolean;
  jobs: Pick<JobRunner, 'enqueueWith'>;
  messenger: DirectMessenger;
  limits: BugleLimits;
  notify: NotifyAdmins;
  log: Logger;
  now?: () => number;
}

export interface Audience {
  recipients: string[];
  optedOut: number;
}

export class Bugle {
  private readonly o: BugleOptions;

  constructor(options: BugleOptions) {
    this.o = options;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  async audience(sender: string): Promise<Audience> {
    const optedOut = await this.o.store.optedOut();
    const others = (await this.o.members.all())
      .filter((m) => m.leftAt === null && m.userId !== sender && this.o.isCommunityMember(m.userId))
      .map((m) => m.userId);
    return { recipients: others.filter((id) => !optedOut.has(id)), optedOut: others.filter((id) => optedOut.has(id)).length };
  }

  private async refuseIfNotAllowed(sender: string, body: string): Promise<void> {
    if (await this.o.store.isRevoked(sender)) throw new CommandError('An admin has revoked your use of the Bugle. Ask them if you think that is a mistake.');
    const text = checkText(body, this.o.limits);
    if (!text.ok) throw new CommandError(text.reason);
    const now = this.now();
    const rate = checkRate(now, await this.o.store.sentSince(sender, now - DAY_MS), await this.o.store.sentSince(null, now - HOUR_MS), this.o.limits);
    if (!rate.ok) throw new CommandError(rate.reason);
  }

  async draft(sender: string, roomId: string, body: string): Promise<string> {
    await this.refuseIfNotAllowed(sender, body);
    await this.o.store.saveDraft({ sender, body: body.trim(), roomId, createdAt: this.now() });
    const { recipients } = await this.audience(sender);
    return `This will go to ${count(recipients.length, 'member')} by DM:\n\n${body.trim()}\n\nSay !bugle send to send it, or !bugle cancel.`;
  }

  async send(sender: string, roomId: string): Promise<string> {
    const draft = await this.o.store.takeDraft(sender);
    if (!draft) throw new CommandError('There is nothing to send. Write your message first: !bugle <message>');
    try {
      await this.refuseIfNotAllowed(sender, draft.body);
    } catch (refusal) {
      // A refused draft is kept, so the member can send it when the limit allows.
      await this.o.store.saveDraft(draft);
      throw refusal;
    }
    const { recipients, optedOut } = await this.audience(sender);
    let broadcast: Broadcast | undefined;
    // The broadcast and its delivery job are recorded together: neither is ever without the other.
    await this.o.jobs.enqueueWith(BUGLE_DELIVERY, async (trx) => {
      broadcast = await this.o.store.recordBroadcast(trx, {
        sender,
        body: draft.body,
        digest: digestOf(draft.body),
        reportRoomId: roomId,
        recipientCount: recipients.length,
        optedOutCount: optedOut,
        createdAt: this.now(),
      });
      return { subject: String(broadcast.id), items: recipients };
    });
    if (!broadcast) throw new Error('the broadcast was not recorded');
    await this.o.notify(`📯 ${sender} sent a broadcast to ${count(recipients.length, 'member')} (digest ${broadcast.digest}).`);
    this.o.log.info('broadcast sent', { broadcast_id: broadcast.id, sender, recipients: recipients.length });
    return `Sending to ${count(recipients.length, 'member')}. You will get a delivery report here.`;
  }

  async cancel(sender: string): Promise<string> {
    return (await this.o.store.takeDraft(sender)) ? 'Draft discarded.' : 'There was no draft to discard.';
  }

  async off(userId: string): Promise<string> {
    await this.o.store.optOut(userId, 'command', this.now());
    return 'You will receive no more broadcasts. Say !bugle on to receive them again.';
  }

  async on(userId: string, roomId: string): Promise<string> {
    const was = (await this.o.store.optedOut()).get(userId);
    if (was === undefined) return 'You already receive broadcasts; nothing changed. (!bugle off stops them.)';
    await this.o.store.optIn(userId);
    // Someone who left the Bugle's DM gets a new one with the next broadcast,
    // unless they are speaking from a new DM with it already.
    if (was === 'left' && (await this.o.messenger.memberOf(roomId)) !== userId) await this.o.messenger.forget(userId);
    return 'You will receive broadcasts again.';
  }

  async revoke(userId: string, by: string): Promise<string> {
    await this.o.store.revoke(userId, by, this.now());
    return `${userId} can no longer send broadcasts. !bugle restore ${userId} undoes this.`;
  }

  async restore(userId: string): Promise<string> {
    return (await this.o.store.restore(userId)) ? `${userId} can send broadcasts again.` : `${userId} was not revoked.`;
  }

  async log(): Promise<string> {
    const recent = await this.o.store.recent(20);
    if (recent.length === 0) return 'No broadcasts yet.';
    return ['Recent broadcasts (newest first):', ...recent.map((b) =>
      `- ${new Date(b.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC ${b.sender} → ${count(b.recipientCount, 'member')}, digest ${b.digest}${b.finishedAt === null ? ' (delivering)' : ''}`)].join('\n');
  }

  /** Leaving or rejecting the Bugle's DM is opting out; the bot never invites them again. */
  async leftDm(userId: string): Promise<void> {
    await this.o.store.optOut(userId, 'left', this.now());
    this.o.log.info('a member left the Bugle\'s DM: opted out', { user_id: userId });
  }
}
