// The job runner's records: one row per job (its kind and what it is about)
// and one per item, each with its status, its tries and the transaction ID of
// the message it sends, so a restart resumes with the items still pending and
// a message sent again reuses its first transaction ID.
import type { Knex } from 'knex';
import type { Database } from './database.ts';

/** `refused`: a refusal for good that the kind expects (a member who accepts no invitations); `failed`: every other outcome that ends an item unfinished. */
export type ItemStatus = 'pending' | 'done' | 'failed' | 'refused';

export interface JobRecord {
  id: number;
  kind: string;
  /** What the job is about, in the kind's own terms (a reason, a broadcast's ID). */
  subject: string;
  createdAt: number;
  finishedAt: number | null;
}

export interface JobItem {
  key: string;
  status: ItemStatus;
  /** Every try so far, across restarts; 429s included. */
  attempts: number;
  txnId: string | null;
  lastError: string | null;
  /** What the kind recorded of a done item (a kick made, a room already left). */
  note: string | null;
}

export interface JobCounts {
  total: number;
  pending: number;
  done: number;
  failed: number;
  refused: number;
}

export interface JobContents {
  /** What the job is about, in its kind's terms. */
  subject: string;
  /** Items in the order they are to be done. */
  items: readonly string[];
}

export interface JobsStore {
  /** Records a job and its items; `prepare` writes the domain's own rows first, in the same transaction, and says what the job holds. */
  create(kind: string, now: number, prepare: (trx: Knex.Transaction) => Promise<JobContents>): Promise<JobRecord>;
  unfinished(kind: string): Promise<JobRecord[]>;
  /** The items still to do, in order. */
  pendingItems(jobId: number): Promise<JobItem[]>;
  items(jobId: number, status: ItemStatus): Promise<JobItem[]>;
  setTxnId(jobId: number, key: string, txnId: string): Promise<void>;
  /** A try that will be followed by another. */
  recordTry(jobId: number, key: string, attempts: number, error: string): Promise<void>;
  settle(jobId: number, key: string, outcome: { status: Exclude<ItemStatus, 'pending'>; attempts: number; error: string | null; note: string | null; now: number }): Promise<void>;
  counts(jobId: number): Promise<JobCounts>;
  finish(jobId: number, now: number): Promise<void>;
}

interface JobRow {
  id: number;
  kind: string;
  subject: string;
  created_at: number | string;
  finished_at: number | string | null;
}

interface ItemRow {
  item_key: string;
  status: ItemStatus;
  attempts: number;
  txn_id: string | null;
  last_error: string | null;
  note: string | null;
}

function jobOf(row: JobRow): JobRecord {
  return {
    id: row.id,
    kind: row.kind,
    subject: row.subject,
    createdAt: Number(row.created_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

function itemOf(row: ItemRow): JobItem {
  return { key: row.item_key, status: row.status, attempts: row.attempts, txnId: row.txn_id, lastError: row.last_error, note: row.note };
}

const INSERT_CHUNK = 200;
const ITEM_COLUMNS = ['item_key', 'status', 'attempts', 'txn_id', 'last_error', 'note'];

export function createJobsStore(db: Database): JobsStore {
  const items = (jobId: number): Knex.QueryBuilder => db('job_items').where({ job_id: jobId });
  const read = async (query: Knex.QueryBuilder): Promise<JobItem[]> => {
    const rows: ItemRow[] = await query.orderBy(['seq', 'item_key']).select(ITEM_COLUMNS);
    return rows.map(itemOf);
  };
  return {
    async create(kind, now, prepare) {
      return db.transaction(async (trx) => {
        const job = await prepare(trx);
        const [row] = await trx<JobRow>('jobs').insert({ kind, subject: job.subject, created_at: now }).returning('*');
        if (!row) throw new Error('the job was not stored');
        for (let i = 0; i < job.items.length; i += INSERT_CHUNK) {
          await trx('job_items').insert(job.items.slice(i, i + INSERT_CHUNK).map((item_key, n) => ({ job_id: row.id, item_key, seq: i + n })));
        }
        return jobOf(row);
      });
    },
    async unfinished(kind) {
      return (await db<JobRow>('jobs').where({ kind }).whereNull('finished_at').orderBy('id')).map(jobOf);
    },
    async pendingItems(jobId) {
      return read(items(jobId).andWhere({ status: 'pending' }));
    },
    async items(jobId, status) {
      return read(items(jobId).andWhere({ status }));
    },
    async setTxnId(jobId, key, txnId) {
      await items(jobId).andWhere({ item_key: key }).update({ txn_id: txnId });
    },
    async recordTry(jobId, key, attempts, error) {
      await items(jobId).andWhere({ item_key: key }).update({ attempts, last_error: error });
    },
    async settle(jobId, key, outcome) {
      await items(jobId).andWhere({ item_key: key }).update({
        status: outcome.status, attempts: outcome.attempts, last_error: outcome.error, note: outcome.note, finished_at: outcome.now,
      });
    },
    async counts(jobId) {
      const rows: { status: string; n: number | string }[] = await db('job_items').where({ job_id: jobId }).groupBy('status').select('status').count({ n: '*' });
      const of = (status: ItemStatus): number => Number(rows.find((r) => r.status === status)?.n ?? 0);
      return { total: rows.reduce((sum, r) => sum + Number(r.n), 0), pending: of('pending'), done: of('done'), failed: of('failed'), refused: of('refused') };
    },
    async finish(jobId, now) {
      await db('jobs').where({ id: jobId }).update({ finished_at: now });
    },
  };
}
