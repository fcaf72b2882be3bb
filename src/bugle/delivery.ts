// Delivers a broadcast: one DM per recipient, from the durable queue in the
// database, a few at a time, honouring 429s and retrying other failures with
// backoff. Each DM's transaction ID is derived from the broadcast and the
// recipient, so a delivery repeated after a crash is the same message, not a
// second one. A recipient met for the first time is introduced to the Bugle first.
// A recipient who accepts no invitations (MSC4380) cannot be given a DM: their
// copy is "refused" at once, never retried, and the sender's report names them.
import type { DirectMessenger } from '../community/direct-messages.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { isInviteBlocked } from '../matrix/matrix-error.ts';
import { errorText, forEachConcurrently, sleep, withRetries } from '../matrix/retry.ts';
import { BackgroundRuns } from '../matrix/background-runs.ts';
import type { Broadcast, BugleStore } from '../store/bugle-store.ts';
import { introduction, renderBroadcast, type Rendered } from './message.ts';

export interface BugleDeliveryOptions {
  bot: HomeserverClient;
  messenger: DirectMessenger;
  store: BugleStore;
  serverName: string;
  concurrency: number;
  delayMs: number;
  log: Logger;
  maxAttempts?: number;
  now?: () => number;
}

const BACKOFF_BASE_MS = 500;

export class BugleDelivery {
  private readonly o: BugleDeliveryOptions;
  private readonly runs = new BackgroundRuns();

  constructor(options: BugleDeliveryOptions) {
    this.o = options;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  start(broadcast: Broadcast): void {
    this.runs.launch(broadcast.id, () => this.deliver(broadcast), (error) => {
      this.o.log.error('a broadcast stopped with an error; it resumes at the next start', { broadcast_id: broadcast.id, error });
    });
  }

  async resume(): Promise<void> {
    for (const broadcast of await this.o.store.unfinished()) {
      this.o.log.info('resuming a broadcast', { broadcast_id: broadcast.id });
      this.start(broadcast);
    }
  }

  idle(): Promise<void> {
    return this.runs.idle();
  }

  stop(): Promise<void> {
    return this.runs.stop();
  }

  private async deliver(broadcast: Broadcast): Promise<void> {
    const profile = await this.o.bot.profile(broadcast.sender).catch(() => ({ displayname: undefined }));
    const rendered = renderBroadcast(broadcast.sender, profile.displayname ?? null, broadcast.body);
    const rooms = await this.o.messenger.existingRooms();
    await forEachConcurrently(await this.o.store.pendingRecipients(broadcast.id), this.o.concurrency,
      (recipient) => this.deliverTo(broadcast, recipient, rendered, rooms.get(recipient)), () => this.runs.stopping);
    if (this.runs.stopping) return;
    await this.o.store.finish(broadcast.id, this.now());
    await this.report(broadcast);
  }

  private async deliverTo(broadcast: Broadcast, recipient: string, rendered: Rendered, knownRoom: string | undefined): Promise<void> {
    const outcome = await withRetries(async () => {
      if (this.o.delayMs > 0) await sleep(this.o.delayMs);
      const { roomId, created } = knownRoom ? { roomId: knownRoom, created: false } : await this.o.messenger.roomWith(recipient);
      if (created) await this.o.messenger.send(recipient, { id: `bugle-intro.${recipient}`, text: introduction(this.o.serverName) }, roomId);
      await this.o.messenger.send(recipient, { id: `bugle.${broadcast.id}.${recipient}`, text: rendered.text, html: rendered.html }, roomId);
    }, {
      maxAttempts: this.o.maxAttempts ?? 6,
      baseDelayMs: BACKOFF_BASE_MS,
      onRetry: (attempt, delay, rateLimited, error) => {
        this.o.log.warn('retrying a broadcast delivery', { broadcast_id: broadcast.id, recipient, attempt, retry_in_ms: delay, rate_limited: rateLimited, error: errorText(error) });
      },
    });
    if (outcome.ok) {
      await this.o.store.markDelivery(broadcast.id, recipient, 'delivered', outcome.attempts, null, this.now());
      return;
    }
    const refused = isInviteBlocked(outcome.error);
    if (refused) this.o.log.info('a member accepts no invitations: no DM, so no broadcast for them', { broadcast_id: broadcast.id, recipient });
    else this.o.log.error('gave up delivering a broadcast to a member', { broadcast_id: broadcast.id, recipient, attempts: outcome.attempts, error: errorText(outcome.error) });
    await this.o.store.markDelivery(broadcast.id, recipient, refused ? 'refused' : 'failed', outcome.attempts, errorText(outcome.error), this.now());
  }

  private async report(broadcast: Broadcast): Promise<void> {
    const { delivered, failed, refused } = await this.o.store.counts(broadcast.id);
    const text = refused === 0
      ? `Your broadcast is out: delivered ${delivered}, opted out ${broadcast.optedOutCount}, failed ${failed}.`
      : `Your broadcast is out: delivered ${delivered}, opted out ${broadcast.optedOutCount}, refused ${refused}, failed ${failed}. ` +
        `Refused: ${(await this.o.store.recipientsWith(broadcast.id, 'refused')).join(', ')}, who accept no invitations, so the Bugle cannot open a chat with them.`;
    // In the sender's DM with the Bugle, which the Bugle is always in (the send may have been confirmed elsewhere).
    await this.o.messenger.send(broadcast.sender, { id: `bugle-report.${broadcast.id}`, text });
    this.o.log.info('broadcast delivered', { broadcast_id: broadcast.id, delivered, failed, refused, opted_out: broadcast.optedOutCount });
  }
}
