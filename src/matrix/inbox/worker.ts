// Processes the durable inbox in order of arrival. A failing event is retried
// with exponential backoff while the events behind it go on; after the last
// attempt it is set aside as failed and logged, never silently dropped.
// Pending events survive a restart: the worker resumes from the database.
import type { Logger } from '../../logging/logger.ts';
import type { InboxStore, StoredEvent } from '../../store/inbox-store.ts';
import type { MatrixEvent } from '../event.ts';
import { DeferEvent, type Delivery } from './router.ts';

export interface InboxWorkerOptions {
  store: InboxStore;
  handle: (event: MatrixEvent, delivery: Delivery) => Promise<void>;
  log: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  batchSize: number;
  /** Longest sleep between looks at the inbox when nothing wakes the worker. */
  idlePollMs?: number;
  now?: () => number;
}

export function retryDelay(attempts: number, baseMs: number, maxMs = Number.POSITIVE_INFINITY): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

export class InboxWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private wokenEarly = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly options: InboxWorkerOptions;
  private readonly now: () => number;

  constructor(options: InboxWorkerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
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
    while (this.running) {
      try {
        this.wokenEarly = false;
        const due = await this.options.store.dueEvents(this.now(), this.options.batchSize);
        await this.processBatch(due);
        if (due.length > 0) continue;
        this.idleWaiters.splice(0).forEach((resolve) => { resolve(); });
        await this.sleep(await this.sleepTime());
      } catch (error) {
        // The database itself failed: wait and try again rather than spin.
        this.options.log.error('inbox worker could not read the inbox; retrying', { error });
        await this.sleep(this.options.retryBaseMs);
      }
    }
  }

  // A method rather than the field, because stop() flips it while the loop awaits.
  private isRunning(): boolean {
    return this.running;
  }

  private async sleepTime(): Promise<number> {
    const idle = this.options.idlePollMs ?? 5_000;
    const next = await this.options.store.nextDueTime();
    return next === null ? idle : Math.min(idle, Math.max(0, next - this.now()));
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
   * Handles a batch in order and marks the successes done in one write. A crash
   * mid-batch repeats at most that batch, which handlers tolerate: their
   * effects are keyed by event id.
   */
  private async processBatch(batch: readonly StoredEvent[]): Promise<void> {
    const done: number[] = [];
    try {
      for (const stored of batch) {
        if (!this.isRunning()) return;
        if (await this.process(stored)) done.push(stored.seq);
      }
    } finally {
      if (done.length > 0) await this.options.store.markDone(done, this.now());
    }
  }

  private async process(stored: StoredEvent): Promise<boolean> {
    const { store, log } = this.options;
    const attempts = stored.attempts + 1;
    try {
      await this.options.handle(JSON.parse(stored.json) as MatrixEvent, { attempt: attempts });
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof DeferEvent && attempts < this.options.maxAttempts) {
        log.debug('event deferred', { event_id: stored.eventId, attempts, retry_in_ms: error.delayMs, reason: message });
        await store.markRetry(stored.seq, attempts, this.now() + error.delayMs, `deferred: ${message}`);
        return false;
      }
      if (attempts >= this.options.maxAttempts) {
        log.error('gave up on an event after its last attempt', { event_id: stored.eventId, attempts, error });
        await store.markFailed(stored.seq, attempts, message, this.now());
      } else {
        const delay = retryDelay(attempts, this.options.retryBaseMs, this.options.retryMaxMs);
        log.warn('event handler failed; will retry', { event_id: stored.eventId, attempts, retry_in_ms: delay, error: message });
        await store.markRetry(stored.seq, attempts, this.now() + delay, message);
      }
      return false;
    }
  }
}
