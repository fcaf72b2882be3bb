// The job runner's store in memory, for unit tests: the same contract as
// src/store/jobs-store.ts, which the db tests check on both engines.
import type { ItemStatus, JobCounts, JobItem, JobRecord, JobsStore } from '../../src/store/jobs-store.ts';
import { unused } from './command-catalog.ts';

interface StoredJob { record: JobRecord; items: JobItem[] }

export class MemoryJobsStore implements JobsStore {
  readonly jobs: StoredJob[] = [];

  async create(kind: string, now: number, prepare: Parameters<JobsStore['create']>[2]): Promise<JobRecord> {
    const { subject, items } = await prepare(unused('transaction'));
    const record: JobRecord = { id: this.jobs.length + 1, kind, subject, createdAt: now, finishedAt: null };
    this.jobs.push({ record, items: items.map((key) => ({ key, status: 'pending', attempts: 0, txnId: null, lastError: null, note: null })) });
    return { ...record };
  }

  /** The stored job, for assertions. */
  job(id: number): StoredJob {
    const job = this.jobs.find((j) => j.record.id === id);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }

  item(jobId: number, key: string): JobItem {
    const item = this.job(jobId).items.find((i) => i.key === key);
    if (!item) throw new Error(`no item ${key} in job ${jobId}`);
    return item;
  }

  unfinished(kind: string): Promise<JobRecord[]> {
    return Promise.resolve(this.jobs.filter((j) => j.record.kind === kind && j.record.finishedAt === null).map((j) => ({ ...j.record })));
  }

  pendingItems(jobId: number): Promise<JobItem[]> {
    return this.items(jobId, 'pending');
  }

  items(jobId: number, status: ItemStatus): Promise<JobItem[]> {
    return Promise.resolve(this.job(jobId).items.filter((i) => i.status === status).map((i) => ({ ...i })));
  }

  setTxnId(jobId: number, key: string, txnId: string): Promise<void> {
    this.item(jobId, key).txnId = txnId;
    return Promise.resolve();
  }

  recordTry(jobId: number, key: string, attempts: number, error: string): Promise<void> {
    Object.assign(this.item(jobId, key), { attempts, lastError: error });
    return Promise.resolve();
  }

  settle(jobId: number, key: string, outcome: Parameters<JobsStore['settle']>[2]): Promise<void> {
    Object.assign(this.item(jobId, key), { status: outcome.status, attempts: outcome.attempts, lastError: outcome.error, note: outcome.note });
    return Promise.resolve();
  }

  counts(jobId: number): Promise<JobCounts> {
    const items = this.job(jobId).items;
    const of = (status: ItemStatus): number => items.filter((i) => i.status === status).length;
    return Promise.resolve({ total: items.length, pending: of('pending'), done: of('done'), failed: of('failed'), refused: of('refused') });
  }

  finish(jobId: number, now: number): Promise<void> {
    this.job(jobId).record.finishedAt = now;
    return Promise.resolve();
  }
}
