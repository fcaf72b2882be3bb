// The one runner of durable jobs. A job is recorded with all its items in one
// database transaction, then run in the background: a few items at a time (as
// its kind says), each tried until it is done or refused for good, with the
// waits of retry-policy.ts. Every wait ends at the stop signal; a stopped job
// ends between items and what is left stays pending for the next start, when
// `resume` picks it up. A job is marked finished once no item is pending and its
// kind has said so (its report), even when some items failed.
import type { Knex } from 'knex';
import type { Logger } from '../logging/logger.ts';
import { errorText } from '../matrix/retry.ts';
import type { JobContents, JobItem, JobRecord, JobsStore } from '../store/jobs-store.ts';
import { systemClock, type Clock } from './clock.ts';
import type { ItemContext, JobKind, OpenJob } from './kind.ts';
import { DEFAULT_BACKOFF, nextStep, type BackoffSettings } from './retry-policy.ts';

export interface JobRunnerOptions {
  store: JobsStore;
  log: Logger;
  /** The service's soft stop: jobs end between items once it is aborted. */
  stop: AbortSignal;
  clock?: Clock;
  backoff?: BackoffSettings;
}

export class JobRunner {
  private readonly o: JobRunnerOptions;
  private readonly clock: Clock;
  private readonly backoff: BackoffSettings;
  private readonly kinds = new Map<string, JobKind>();
  private readonly running = new Map<number, Promise<void>>();
  private readonly ownStop = new AbortController();
  private readonly signal: AbortSignal;

  constructor(options: JobRunnerOptions) {
    this.o = options;
    this.clock = options.clock ?? systemClock;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.signal = AbortSignal.any([options.stop, this.ownStop.signal]);
  }

  register(kind: JobKind): void {
    if (this.kinds.has(kind.name)) throw new Error(`the job kind ${kind.name} is registered twice`);
    this.kinds.set(kind.name, kind);
  }

  /** Records a job with its items and starts it. */
  enqueue(kind: string, subject: string, items: readonly string[]): Promise<JobRecord> {
    return this.enqueueWith(kind, () => Promise.resolve({ subject, items }));
  }

  /**
   * Records a job and starts it. `prepare` writes the domain's own rows in the
   * same database transaction, so a job never exists without them, nor they
   * without it, and says what the job holds.
   */
  async enqueueWith(kind: string, prepare: (trx: Knex.Transaction) => Promise<JobContents>): Promise<JobRecord> {
    this.kindNamed(kind);
    const job = await this.o.store.create(kind, this.clock.now(), prepare);
    this.launch(job);
    return job;
  }

  /** Starts the jobs of a kind that a previous run left unfinished. */
  async resume(kind: string): Promise<void> {
    this.kindNamed(kind);
    for (const job of await this.o.store.unfinished(kind)) {
      this.o.log.info('resuming a job', { job_id: job.id, kind, subject: job.subject });
      this.launch(job);
    }
  }

  /** Resolves when every job started so far has ended (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  /** Ends every job between items; what is left stays pending for the next start. */
  async stop(): Promise<void> {
    this.ownStop.abort();
    await Promise.allSettled(this.running.values());
  }

  // A call, not a property: every await may have seen the stop come.
  private stopped(): boolean {
    return this.signal.aborted;
  }

  private kindNamed(name: string): JobKind {
    const kind = this.kinds.get(name);
    if (!kind) throw new Error(`no job kind ${name} is registered`);
    return kind;
  }

  private launch(job: JobRecord): void {
    if (this.running.has(job.id) || this.stopped()) return;
    const run = this.run(job)
      .catch((error: unknown) => {
        this.o.log.error('a job stopped with an error; it resumes at the next start', { job_id: job.id, kind: job.kind, error: errorText(error) });
      })
      .finally(() => this.running.delete(job.id));
    this.running.set(job.id, run);
  }

  private async run(job: JobRecord): Promise<void> {
    const kind = this.kindNamed(job.kind);
    const open = await this.persist(job, 'opening the job', () => kind.open(job));
    if (open === undefined) return;
    const queue = await this.o.store.pendingItems(job.id);
    let lastReport = this.clock.now();
    const worker = async (): Promise<void> => {
      for (let item = queue.shift(); item !== undefined && !this.stopped(); item = queue.shift()) {
        if (kind.itemDelayMs > 0) await this.clock.sleep(kind.itemDelayMs, this.signal);
        if (this.stopped()) return;
        await this.runItem(job, open, item);
        if (kind.progressEveryMs !== undefined && queue.length > 0 && this.clock.now() - lastReport >= kind.progressEveryMs) {
          lastReport = this.clock.now();
          await this.reportProgress(job, open);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, kind.concurrency) }, worker));
    if (this.stopped()) return;
    const counts = await this.o.store.counts(job.id);
    if (counts.pending > 0) throw new Error(`${counts.pending} items are still pending after every worker ended`);
    const reported = await this.persist(job, 'reporting the job finished', async () => { await open.finished(counts); return true; });
    // Stopped while reporting: the next start finds no item pending and reports again.
    if (reported === undefined && this.stopped()) return;
    await this.o.store.finish(job.id, this.clock.now());
    this.o.log.info('a job is finished', { job_id: job.id, kind: job.kind, ...counts });
  }

  private async runItem(job: JobRecord, open: OpenJob, item: JobItem): Promise<void> {
    let attempts = item.attempts;
    let failures = 0;
    const context = (attempt: number): ItemContext => ({
      key: item.key,
      attempt,
      transactionId: async (make) => {
        if (item.txnId !== null) return { txnId: item.txnId, reused: true };
        const txnId = make();
        await this.o.store.setTxnId(job.id, item.key, txnId);
        item.txnId = txnId;
        return { txnId, reused: false };
      },
    });
    for (;;) {
      attempts++;
      try {
        const note = await open.runItem(context(attempts));
        await this.o.store.settle(job.id, item.key, { status: 'done', attempts, error: null, note: note ?? null, now: this.clock.now() });
        return;
      } catch (error) {
        if (this.stopped()) {
          // Cut short by the stop: not the item's failure; it stays pending.
          await this.o.store.recordTry(job.id, item.key, attempts, errorText(error));
          return;
        }
        const step = nextStep(error, failures, this.backoff);
        if (!step.retry) {
          const status = open.refusalStatus?.(error) ?? 'failed';
          this.o.log.warn(status === 'refused' ? 'an item was refused' : 'gave up an item: refused for good', { job_id: job.id, kind: job.kind, item: item.key, attempts, reason: step.reason });
          await this.o.store.settle(job.id, item.key, { status, attempts, error: step.reason, note: null, now: this.clock.now() });
          return;
        }
        if (!step.rateLimited) failures++;
        this.o.log.warn('retrying an item', { job_id: job.id, kind: job.kind, item: item.key, attempt: attempts, retry_in_ms: step.delayMs, rate_limited: step.rateLimited, error: errorText(error) });
        await this.o.store.recordTry(job.id, item.key, attempts, errorText(error));
        await this.clock.sleep(step.delayMs, this.signal);
        if (this.stopped()) return;
      }
    }
  }

  /** A progress notice that cannot be sent is logged; the job it reports on goes on. */
  private async reportProgress(job: JobRecord, open: OpenJob): Promise<void> {
    try {
      await open.progress?.(await this.o.store.counts(job.id));
    } catch (error) {
      this.o.log.warn('could not report a job\'s progress; going on', { job_id: job.id, kind: job.kind, error: errorText(error) });
    }
  }

  /**
   * `work` tried as an item is, for the parts of a job that are not items.
   * Resolves with its result, or undefined when it was refused for good
   * (logged) or the stop came first.
   */
  private async persist<T>(job: JobRecord, what: string, work: () => Promise<T>): Promise<T | undefined> {
    for (let failures = 0; !this.stopped();) {
      try {
        return await work();
      } catch (error) {
        if (this.stopped()) return undefined;
        const step = nextStep(error, failures, this.backoff);
        if (!step.retry) {
          this.o.log.error(`${what} failed for good`, { job_id: job.id, kind: job.kind, reason: step.reason });
          return undefined;
        }
        if (!step.rateLimited) failures++;
        this.o.log.warn(`retrying ${what}`, { job_id: job.id, kind: job.kind, retry_in_ms: step.delayMs, error: errorText(error) });
        await this.clock.sleep(step.delayMs, this.signal);
      }
    }
    return undefined;
  }
}
