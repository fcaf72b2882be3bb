// Processes the durable inbox in order of arrival. A failing event is retried
// with exponential backoff while the events behind it go on; after the last
// attempt it is set aside as failed and logged, never silently dropped. An
// event whose handler the homeserver refused for good (a 4xx that no retry
// changes, such as an answer too large to send) is set aside at once.
// Pending events survive a restart: the worker resumes from the database.
// No single event can stop the worker: each attempt is recorded before its
// handler runs (so an event the process dies in still uses up its attempts),
// and a handler that does not finish in time is left behind and retried.
// When idle, about once an hour, it forgets the events it finished with long
// ago: a copy of every message would otherwise grow without end, on a small
// board's SD card, and slow the recording of each new transaction.
import { HANDLER_TIMEOUT_DEFAULT_SECONDS } from '../../config/schema.ts';
import type { Logger } from '../../logging/logger.ts';
import { OutageLog } from '../../logging/outage.ts';
import { UnreadableBatchInHand, type InboxStore, type StoredEvent } from '../../store/inbox-store.ts';
import type { MatrixEvent } from '../event.ts';
import { describeRefusal, permanentRefusal } from '../matrix-error.ts';
import { DeferEvent, type Delivery } from './router.ts';

export interface InboxWorkerOptions {
  store: InboxStore;
  handle: (event: MatrixEvent, delivery: Delivery) => Promise<void>;
  log: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  batchSize: number;
  /** Longest a handler may run before its event is set for a retry and the worker goes on. */
  handlerTimeoutMs?: number;
  /** Longest sleep between looks at the inbox when nothing wakes the worker. */
  idlePollMs?: number;
  /** How many days settled events and txnIds are kept; unset, they are kept for good. */
  keepDays?: number;
  now?: () => number;
}

/** A handler that ran past its time limit; it may still finish, unwatched. */
export class HandlerTimeout extends Error {
  constructor(limitMs: number) {
    super(`the handler did not finish within ${limitMs / 1000} s`);
    this.name = 'HandlerTimeout';
  }
}

/**
 * The events to handle next, in order. An event tried before is taken alone:
 * the process may have died while handling it, and then the attempt recorded
 * for its whole batch must count against that event, not against the next
 * batch it would share. Events never tried go together.
 */
export function nextBatch(due: readonly StoredEvent[]): StoredEvent[] {
  const [first] = due;
  if (!first) return [];
  if (first.attempts > 0) return [first];
  const triedBefore = due.findIndex((event) => event.attempts > 0);
  return triedBefore === -1 ? [...due] : due.slice(0, triedBefore);
}

const DAY_MS = 86_400_000;
/** How often an idle worker forgets what it no longer needs. */
export const FORGET_EVERY_MS = 60 * 60 * 1000;
/** Events forgotten per write: a first clean-up of a large inbox never holds the database for long. */
export const FORGET_CHUNK = 1_000;

export function retryDelay(attempts: number, baseMs: number, maxMs = Number.POSITIVE_INFINITY): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

export class InboxWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private wokenEarly = false;
  private nextForgetAt = 0;
  /**
   * When the next retry comes due, as far as this worker knows: null for none,
   * undefined for unknown (at the start, and once a retry it knew of came due),
   * when the next idle moment asks the database. Only a retry makes an event
   * due later; new events are due at once, and the worker sets every retry.
   */
  private nextRetryAt: number | null | undefined = undefined;
  /**
   * Events whose handlers finished, not yet marked done: the write that takes
   * the next batch in hand marks them, or a write of their own when no batch
   * follows. Until then they are pending in the database, and a process that
   * dies meanwhile handles them again, as after a death in their batch.
   */
  private finished: number[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly options: InboxWorkerOptions;
  private readonly now: () => number;
  private readonly outage: OutageLog;

  constructor(options: InboxWorkerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.outage = new OutageLog(options.log, "the inbox's database", this.now);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Called when a transaction was recorded, so new events are handled at once. */
  wake(): void {
    this.wokenEarly = true;
    this.wakeUp?.();
  }

  /** Resolves once nothing is due: for tests and orderly shutdown. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.wake();
    });
  }

  private async run(): Promise<void> {
    // At the start, a batch the last process died in may be in hand.
    let mayHoldAbandoned = true;
    while (this.running) {
      try {
        if (mayHoldAbandoned) await this.countAbandoned();
        mayHoldAbandoned = false;
        this.wokenEarly = false;
        const now = this.now();
        if ((this.nextRetryAt ?? Infinity) <= now) this.nextRetryAt = undefined;
        const due = await this.dueEvents(now);
        const batch = nextBatch(due.slice(0, this.options.batchSize));
        await this.processBatch(batch);
        this.outage.succeeded();
        // More were due than this batch took, or a transaction recorded meanwhile
        // woke the worker: look again at once. Otherwise nothing can be due but
        // a retry whose time comes, which sleepTime() finds, and a look that
        // would find nothing is saved: a database read per transaction.
        if (batch.length < due.length || this.wokenSinceLook()) continue;
        await this.markFinishedDone();
        // A transaction recorded during that write woke the worker: its events are due, so not idle yet.
        if (this.wokenSinceLook()) continue;
        this.idleWaiters.splice(0).forEach((resolve) => { resolve(); });
        await this.forgetOldIfDue();
        await this.sleep(await this.sleepTime());
      } catch (error) {
        // The database itself failed: wait and try again rather than spin, and say so once, not at every try.
        // The batch in hand may not have been settled, nor a retry known;
        // the finished events still pending are handled again, their attempt counted.
        mayHoldAbandoned = true;
        this.nextRetryAt = undefined;
        this.finished = [];
        this.outage.failed(error);
        await this.sleep(this.options.retryBaseMs);
      }
    }
    await this.markFinishedDoneAtStop();
  }

  /** A stop came between a batch and the next: what finished is marked done before the worker ends. */
  private async markFinishedDoneAtStop(): Promise<void> {
    try {
      await this.markFinishedDone();
    } catch (error) {
      this.options.log.warn('could not mark the events last handled done; the next start handles them again', { events: this.finished.length, error });
    }
  }

  /** The events due next, in order, one more than a batch (whether more are due behind it), finished ones left out. */
  private async dueEvents(now: number): Promise<StoredEvent[]> {
    const limit = this.options.batchSize + 1;
    if (this.finished.length === 0) return this.options.store.dueEvents(now, limit);
    const finished = new Set(this.finished);
    const due = await this.options.store.dueEvents(now, limit + finished.size);
    return due.filter((event) => !finished.has(event.seq)).slice(0, limit);
  }

  /** Marks the finished events done, in a write of their own: no batch follows them now. */
  private async markFinishedDone(): Promise<void> {
    if (this.finished.length === 0) return;
    await this.options.store.markDone(this.finished, this.now());
    this.finished = [];
  }

  private async countAbandoned(): Promise<void> {
    try {
      const counted = await this.options.store.countAbandoned();
      if (counted > 0) this.options.log.warn('counted an attempt for each event of a batch left unfinished', { events: counted });
    } catch (error) {
      if (!(error instanceof UnreadableBatchInHand)) throw error;
      // Left in place, it would stop the worker for good; its events are handled again, their attempt uncounted.
      this.options.log.error('forgot a batch in hand that could not be read; its events are handled again without counting that attempt', { error: error.message });
      await this.options.store.releaseInHand();
    }
  }

  /**
   * Forgets settled events and txnIds older than keepDays, a chunk at a time.
   * New work or a stop interrupts it; the next idle moment goes on where it left.
   */
  private async forgetOldIfDue(): Promise<void> {
    const { keepDays, store, log } = this.options;
    if (keepDays === undefined || this.now() < this.nextForgetAt) return;
    let forgotten = 0;
    for (;;) {
      const chunk = await store.forgetSettled(this.now() - keepDays * DAY_MS, FORGET_CHUNK);
      forgotten += chunk;
      if (chunk < FORGET_CHUNK) {
        this.nextForgetAt = this.now() + FORGET_EVERY_MS;
        break;
      }
      if (this.wokenSinceLook() || !this.isRunning()) break;
    }
    if (forgotten > 0) log.info('forgot events settled long ago', { events: forgotten, kept_days: keepDays });
  }

  // A method rather than the field, because wake() sets it while the loop awaits.
  private wokenSinceLook(): boolean {
    return this.wokenEarly;
  }

  // A method rather than the field, because stop() flips it while the loop awaits.
  private isRunning(): boolean {
    return this.running;
  }

  private async sleepTime(): Promise<number> {
    const idle = this.options.idlePollMs ?? 5_000;
    if (this.nextRetryAt === undefined) this.nextRetryAt = await this.options.store.nextDueTime();
    const next = this.nextRetryAt;
    return next === null ? idle : Math.min(idle, Math.max(0, next - this.now()));
  }

  private async markRetry(stored: StoredEvent, attempts: number, at: number, error: string): Promise<void> {
    await this.options.store.markRetry(stored.seq, attempts, at, error);
    // Unknown stays unknown: the database is asked at the next idle moment.
    if (this.nextRetryAt !== undefined) this.nextRetryAt = Math.min(this.nextRetryAt ?? at, at);
  }

  private sleep(ms: number): Promise<void> {
    if (this.wokenEarly || !this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = (): void => { done(); };
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = wake;
    }).then(() => { this.wakeUp = null; });
  }

  /**
   * Handles a batch in order; its successes are marked done in one write,
   * with the next batch's. A crash mid-batch repeats at most that batch, which
   * handlers tolerate: their effects are keyed by event id. Before any handler
   * runs, the batch is recorded as in hand, in one small write: if the process
   * dies in it, the next start counts the attempt of each of its events left
   * unfinished.
   */
  private async processBatch(batch: readonly StoredEvent[]): Promise<void> {
    const [first] = batch;
    if (!first) return;
    if (first.attempts >= this.options.maxAttempts) {
      await this.setAsideUnfinished(first);
      return;
    }
    await this.options.store.takeInHand(batch, this.now(), this.finished);
    this.finished = [];
    let cutShort = false;
    try {
      for (const stored of batch) {
        cutShort = !this.isRunning();
        if (cutShort) return;
        if (await this.process(stored)) this.finished.push(stored.seq);
      }
    } finally {
      // The events a stop kept from running are left as they were: no attempt of theirs began.
      if (cutShort) {
        await this.markFinishedDone();
        await this.options.store.releaseInHand();
      }
    }
  }

  /** Every attempt was used and none came to an end: the process stopped or died during each one. */
  private async setAsideUnfinished(stored: StoredEvent): Promise<void> {
    const message = `its handler never finished: the process stopped during each of its ${stored.attempts} attempts`;
    this.options.log.error('gave up on an event whose handler never finished', { event_id: stored.eventId, attempts: stored.attempts });
    await this.options.store.markFailed(stored.seq, stored.attempts, message, this.now());
  }

  private async process(stored: StoredEvent): Promise<boolean> {
    const { store, log } = this.options;
    const attempts = stored.attempts + 1;
    try {
      await this.withinTimeLimit(stored, this.options.handle(JSON.parse(stored.json) as MatrixEvent, { attempt: attempts }));
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof DeferEvent && attempts < this.options.maxAttempts) {
        log.debug('event deferred', { event_id: stored.eventId, attempts, retry_in_ms: error.delayMs, reason: message });
        await this.markRetry(stored, attempts, this.now() + error.delayMs, `deferred: ${message}`);
        return false;
      }
      const refusal = permanentRefusal(error);
      if (refusal !== null) {
        // Asking again would be refused again, for hours: set it aside now, saying why.
        const reason = describeRefusal(refusal);
        log.error('set aside an event: the homeserver refused its handler for good', { event_id: stored.eventId, attempts, reason });
        await store.markFailed(stored.seq, attempts, `refused for good: ${reason}`, this.now());
        return false;
      }
      if (attempts >= this.options.maxAttempts) {
        log.error('gave up on an event after its last attempt', { event_id: stored.eventId, attempts, error });
        await store.markFailed(stored.seq, attempts, message, this.now());
      } else {
        const delay = retryDelay(attempts, this.options.retryBaseMs, this.options.retryMaxMs);
        log.warn('event handler failed; will retry', { event_id: stored.eventId, attempts, retry_in_ms: delay, error: message });
        await this.markRetry(stored, attempts, this.now() + delay, message);
      }
      return false;
    }
  }

  /**
   * Waits for a handler, but no longer than the time limit. A handler cannot
   * be cancelled: past the limit it is left to finish on its own (its effects
   * are keyed by event id, like a retry's) and what becomes of it is logged.
   */
  private async withinTimeLimit(stored: StoredEvent, handling: Promise<void>): Promise<void> {
    const limitMs = this.options.handlerTimeoutMs ?? HANDLER_TIMEOUT_DEFAULT_SECONDS * 1000;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new HandlerTimeout(limitMs)); }, limitMs);
      // A time limit is no reason to keep the process running.
      timer.unref();
    });
    try {
      await Promise.race([handling, expired]);
    } catch (error) {
      if (error instanceof HandlerTimeout) {
        handling.then(
          () => { this.options.log.info('a handler finished after its time limit', { event_id: stored.eventId }); },
          (late: unknown) => { this.options.log.warn('a handler failed after its time limit', { event_id: stored.eventId, error: late }); },
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
