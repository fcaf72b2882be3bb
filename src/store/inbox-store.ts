// The durable inbox: every transaction the homeserver pushes is recorded here,
// with its events, in one database transaction, before it is acknowledged.
// The worker then processes events from here, so nothing is lost to a crash.
import { createHash } from 'node:crypto';
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
  /** Counts one more attempt for each of these events before their handlers run, so an attempt the process dies in still counts. */
  recordAttempts(seqs: readonly number[]): Promise<void>;
  markDone(seqs: readonly number[], now: number): Promise<void>;
  markRetry(seq: number, attempts: number, nextAttemptAt: number, error: string): Promise<void>;
  markFailed(seq: number, attempts: number, error: string, now: number): Promise<void>;
  countByStatus(): Promise<Partial<Record<InboxStatus, number>>>;
}

// Rows per INSERT: a transaction as Synapse sends them (up to 100 events) is
// one statement. knex writes a many-row INSERT for SQLite as a compound
// SELECT, which SQLite caps at 500 terms.
const INSERT_CHUNK = 500;
// Sequence numbers per UPDATE: one statement for any batch the worker takes.
const UPDATE_CHUNK = 1_000;

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

    async dueEvents(now, limit) {
      const rows: EventRow[] = await db('inbox_events')
        .where('status', 'pending')
        .andWhere('next_attempt_at', '<=', now)
        .orderBy('seq')
        .limit(limit)
        .select('seq', 'event_id', 'event', 'attempts');
      return rows.map((r) => ({ seq: r.seq, eventId: r.event_id, json: r.event, attempts: r.attempts }));
    },

    async nextDueTime() {
      const row = (await db('inbox_events')
        .where('status', 'pending')
        .min({ next: 'next_attempt_at' })
        .first()) as { next: number | string | null } | undefined;
      return row?.next === null || row?.next === undefined ? null : Number(row.next);
    },

    async recordAttempts(seqs) {
      for (let i = 0; i < seqs.length; i += UPDATE_CHUNK) {
        await db('inbox_events').whereIn('seq', seqs.slice(i, i + UPDATE_CHUNK)).increment('attempts', 1);
      }
    },

    async markDone(seqs, now) {
      for (let i = 0; i < seqs.length; i += UPDATE_CHUNK) {
        await db('inbox_events').whereIn('seq', seqs.slice(i, i + UPDATE_CHUNK)).update({ status: 'done', processed_at: now, last_error: null });
      }
    },

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
