// The durable inbox: every transaction the homeserver pushes is recorded here,
// with its events, in one database transaction, before it is acknowledged.
// The worker then processes events from here, so nothing is lost to a crash.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Database } from './database.ts';

export type InboxStatus = 'pending' | 'done' | 'failed' | 'rejected';

export interface IncomingEvent {
  eventId: string;
  roomId: string | null;
  type: string | null;
  sender: string | null;
  json: string;
  /** Set for an object that is not a valid event: kept for inspection, never processed. */
  rejection?: string;
}

export interface StoredEvent {
  seq: number;
  eventId: string;
  json: string;
  attempts: number;
}

export interface InboxStore {
  /**
   * Records a transaction atomically. It is a duplicate (a retry, changing
   * nothing) only when the same txnId came before with the same events: a
   * homeserver may reuse txnIds after a restart. Events are kept once each,
   * by event ID, whichever transaction brought them.
   */
  recordTransaction(txnId: string, events: readonly IncomingEvent[], now: number): Promise<'recorded' | 'duplicate'>;
  dueEvents(now: number, limit: number): Promise<StoredEvent[]>;
  nextDueTime(): Promise<number | null>;
  /**
   * The one write between two batches, in one database transaction: marks the
   * events just handled done, takes the next batch from the events due (`pick`
   * chooses among them) and counts one more attempt for each event of it
   * before its handler runs, so an attempt the process dies in still counts.
   * Returns how many events were due and the batch as it was read (attempts
   * before this one). One synced commit where there were two.
   */
  takeBatch(done: readonly number[], now: number, limit: number, pick: (due: readonly StoredEvent[]) => StoredEvent[]): Promise<{ due: number; batch: StoredEvent[] }>;
  markDone(seqs: readonly number[], now: number): Promise<void>;
  markRetry(seq: number, attempts: number, nextAttemptAt: number, error: string): Promise<void>;
  markFailed(seq: number, attempts: number, error: string, now: number): Promise<void>;
  countByStatus(): Promise<Partial<Record<InboxStatus, number>>>;
}

// Keeps each INSERT well under SQLite's bound-parameter limit.
const INSERT_CHUNK = 50;
// And each update of a batch's events, whose seqs are its only parameters.
const BATCH_UPDATE_CHUNK = 500;

interface EventRow {
  seq: number;
  event_id: string;
  event: string;
  attempts: number;
}

/** What identifies a transaction's content: its event IDs, in order. */
export function fingerprintOf(events: readonly IncomingEvent[]): string {
  const hash = createHash('sha256');
  for (const event of events) hash.update(event.eventId).update('\n');
  return hash.digest('hex');
}

async function dueEvents(db: Database | Knex.Transaction, now: number, limit: number): Promise<StoredEvent[]> {
  const rows: EventRow[] = await db('inbox_events')
    .where('status', 'pending')
    .andWhere('next_attempt_at', '<=', now)
    .orderBy('seq')
    .limit(limit)
    .select('seq', 'event_id', 'event', 'attempts');
  return rows.map((r) => ({ seq: r.seq, eventId: r.event_id, json: r.event, attempts: r.attempts }));
}

async function markDone(db: Database | Knex.Transaction, seqs: readonly number[], now: number): Promise<void> {
  for (let i = 0; i < seqs.length; i += BATCH_UPDATE_CHUNK) {
    await db('inbox_events').whereIn('seq', seqs.slice(i, i + BATCH_UPDATE_CHUNK)).update({ status: 'done', processed_at: now, last_error: null });
  }
}

export function createInboxStore(db: Database): InboxStore {
  return {
    async recordTransaction(txnId, events, now) {
      const fingerprint = fingerprintOf(events);
      return db.transaction(async (trx) => {
        const seen: { fingerprint: string | null } | undefined = await trx('appservice_transactions').where({ txn_id: txnId }).first('fingerprint');
        if (seen?.fingerprint === fingerprint) return 'duplicate' as const;
        // Upserted, so identical transactions recorded in parallel both succeed instead of one failing on the key.
        await trx('appservice_transactions')
          .insert({ txn_id: txnId, event_count: events.length, received_at: now, fingerprint })
          .onConflict('txn_id')
          .merge(['event_count', 'received_at', 'fingerprint']);
        const rows = events.map((e) => ({
          event_id: e.eventId,
          txn_id: txnId,
          room_id: e.roomId,
          type: e.type,
          sender: e.sender,
          event: e.json,
          status: e.rejection ? 'rejected' : 'pending',
          last_error: e.rejection ?? null,
          received_at: now,
        }));
        for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
          // The homeserver may repeat an event in a later transaction; it is processed once.
          await trx('inbox_events').insert(rows.slice(i, i + INSERT_CHUNK)).onConflict('event_id').ignore();
        }
        return 'recorded' as const;
      });
    },

    dueEvents: (now, limit) => dueEvents(db, now, limit),

    async nextDueTime() {
      const row = (await db('inbox_events')
        .where('status', 'pending')
        .min({ next: 'next_attempt_at' })
        .first()) as { next: number | string | null } | undefined;
      return row?.next === null || row?.next === undefined ? null : Number(row.next);
    },

    takeBatch(done, now, limit, pick) {
      return db.transaction(async (trx) => {
        await markDone(trx, done, now);
        const due = await dueEvents(trx, now, limit);
        const batch = pick(due);
        for (let i = 0; i < batch.length; i += BATCH_UPDATE_CHUNK) {
          await trx('inbox_events').whereIn('seq', batch.slice(i, i + BATCH_UPDATE_CHUNK).map((e) => e.seq)).increment('attempts', 1);
        }
        return { due: due.length, batch };
      });
    },

    markDone: (seqs, now) => markDone(db, seqs, now),

    async markRetry(seq, attempts, nextAttemptAt, error) {
      await db('inbox_events').where({ seq }).update({ attempts, next_attempt_at: nextAttemptAt, last_error: error });
    },

    async markFailed(seq, attempts, error, now) {
      await db('inbox_events').where({ seq }).update({ status: 'failed', attempts, last_error: error, processed_at: now });
    },

    async countByStatus() {
      const rows: { status: InboxStatus; count: number | string }[] = await db('inbox_events')
        .groupBy('status')
        .select('status')
        .count({ count: '*' });
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
    },
  };
}
