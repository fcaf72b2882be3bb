// The durable inbox: every transaction the homeserver pushes is recorded here,
// with its events, in one database transaction, before it is acknowledged.
// The worker then processes events from here, so nothing is lost to a crash.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Database } from './database.ts';
import { inSqliteTransaction, statementOf } from './node-sqlite-client.ts';

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
   * Records the batch whose handlers are about to run, in one small write
   * (not one per event): an attempt the process dies in must still count.
   * Each event of it then ends done, or with its attempt recorded by
   * markRetry or markFailed; the next batch takes its place. The same write
   * marks done the events of the batch before that finished (`doneBefore`):
   * one commit per batch, not two.
   */
  takeInHand(batch: readonly Pick<StoredEvent, 'seq' | 'attempts'>[], now: number, doneBefore?: readonly number[]): Promise<void>;
  /** Marks these events done, with their attempt. */
  markDone(seqs: readonly number[], now: number): Promise<void>;
  /** Forgets the batch in hand: a stop kept the rest of it from running, so no attempt of theirs began. */
  releaseInHand(): Promise<void>;
  /**
   * Counts one attempt for each event of the batch in hand that is still
   * pending with no attempt recorded since it was taken (the process died in
   * it, or a write failed), and forgets the batch. Returns how many it counted.
   * Rejects with UnreadableBatchInHand when the row cannot be read.
   */
  countAbandoned(): Promise<number>;
  markRetry(seq: number, attempts: number, nextAttemptAt: number, error: string): Promise<void>;
  markFailed(seq: number, attempts: number, error: string, now: number): Promise<void>;
  countByStatus(): Promise<Partial<Record<InboxStatus, number>>>;
  /**
   * Forgets the oldest events received before `before` that are settled (done,
   * failed or rejected), at most `limit` of them, and once fewer are left,
   * every txnId recorded before it. Returns how many events it forgot: `limit`
   * means more may be left.
   */
  forgetSettled(before: number, limit: number): Promise<number>;
}

interface EventRow {
  seq: number;
  event_id: string;
  event: string;
  attempts: number;
}

/** The one row of the batch in hand: one worker per database. */
const IN_HAND_ID = 1;

/** An event of the batch in hand: its seq and its attempts before this one. */
type InHandEntry = [seq: number, attemptsBefore: number];

function isInHandEntry(value: unknown): value is InHandEntry {
  return Array.isArray(value) && value.length === 2 && value.every((n) => Number.isSafeInteger(n) && Number(n) >= 0);
}

/** The batch in hand cannot be read: only a hand that edited the database writes such a row. */
export class UnreadableBatchInHand extends Error {
  constructor(text: string) {
    super(`the inbox's batch in hand is not a list of [seq, attempts] pairs: ${text.slice(0, 80)}`);
    this.name = 'UnreadableBatchInHand';
  }
}

function parseInHand(text: string): InHandEntry[] {
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    throw new UnreadableBatchInHand(text);
  }
  if (!Array.isArray(entries) || !entries.every(isInHandEntry)) throw new UnreadableBatchInHand(text);
  return entries;
}

/** The seqs of a batch grouped by their attempts before it: one update per group, usually one in all. */
function seqsByAttempts(entries: readonly InHandEntry[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const [seq, before] of entries) {
    const group = groups.get(before);
    if (group) group.push(seq);
    else groups.set(before, [seq]);
  }
  return groups;
}

/** What identifies a transaction's content: its event IDs, in order. */
export function fingerprintOf(events: readonly IncomingEvent[]): string {
  const hash = createHash('sha256');
  for (const event of events) hash.update(event.eventId).update('\n');
  return hash.digest('hex');
}

/** The inbox_events row of an incoming event. */
function eventRow(event: IncomingEvent, txnId: string, now: number) {
  return {
    event_id: event.eventId,
    txn_id: txnId,
    room_id: event.roomId,
    type: event.type,
    sender: event.sender,
    event: event.json,
    status: event.rejection ? 'rejected' : 'pending',
    last_error: event.rejection ?? null,
    received_at: now,
  };
}

// A txnId's record: a new one is inserted, a reused one with other events is
// updated, and the same events again change no row, which is a duplicate. A
// parallel copy of the same transaction waits on the key until the first is
// committed, then finds it a duplicate. The same text on both databases.
const UPSERT_TRANSACTION = `
  insert into appservice_transactions (txn_id, event_count, received_at, fingerprint)
  values (?, ?, ?, ?)
  on conflict (txn_id) do update
    set event_count = excluded.event_count, received_at = excluded.received_at, fingerprint = excluded.fingerprint
    where appservice_transactions.fingerprint is null or appservice_transactions.fingerprint <> excluded.fingerprint
  returning txn_id, received_at`;

/** The columns an incoming event fills, in the order both databases' INSERTs give them. */
const EVENT_COLUMNS = 'event_id, txn_id, room_id, type, sender, event, status, last_error, received_at';

// The homeserver may repeat an event in a later transaction; it is processed once.
const INSERT_EVENT_ON_SQLITE = `
  insert into inbox_events (${EVENT_COLUMNS})
  values (?, ?, ?, ?, ?, ?, ?, ?, ?)
  on conflict (event_id) do nothing`;

// On SQLite a statement is a call, not a round trip: the txnId and then each
// event, one compiled statement run per row, in one database transaction. A
// query builder's one INSERT of a hundred rows cost more to build and bind
// than these cost to run.
function recordOnSqlite(db: Database, txnId: string, events: readonly IncomingEvent[], now: number, fingerprint: string): Promise<'recorded' | 'duplicate'> {
  return inSqliteTransaction(db, (connection) => {
    const written = statementOf(connection, UPSERT_TRANSACTION).all(txnId, events.length, now, fingerprint);
    if (written.length === 0) return 'duplicate';
    const insert = statementOf(connection, INSERT_EVENT_ON_SQLITE);
    for (const event of events) {
      const row = eventRow(event, txnId, now);
      insert.run(row.event_id, row.txn_id, row.room_id, row.type, row.sender, row.event, row.status, row.last_error, row.received_at);
    }
    return 'recorded';
  });
}

// On PostgreSQL every statement is a round trip to the server: BEGIN, the
// txnId, the events and COMMIT were four, and most of a recording's time. One
// statement does the same, atomic on its own: the txnId's upsert decides, and
// the events go in, in their order, only when it wrote a row. They come as one
// array per column, so the statement has eleven parameters whatever the number
// of events.
const RECORD_ON_POSTGRES = `
  with txn as (${UPSERT_TRANSACTION}
  ), events as (
    insert into inbox_events (${EVENT_COLUMNS})
    select e.event_id, txn.txn_id, e.room_id, e.type, e.sender, e.event, e.status, e.last_error, txn.received_at
    from txn, unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
      with ordinality as e(event_id, room_id, type, sender, event, status, last_error, n)
    order by e.n
    on conflict (event_id) do nothing
  )
  select count(*)::int as written from txn`;

async function recordOnPostgres(db: Database, txnId: string, events: readonly IncomingEvent[], now: number, fingerprint: string): Promise<'recorded' | 'duplicate'> {
  const rows = events.map((event) => eventRow(event, txnId, now));
  // knex's types take no null in an array binding; the pg driver sends it as NULL.
  const column = (name: 'event_id' | 'room_id' | 'type' | 'sender' | 'event' | 'status' | 'last_error') => rows.map((row) => row[name]) as Knex.Value;
  const bindings: Knex.RawBinding[] = [
    txnId, events.length, now, fingerprint,
    column('event_id'), column('room_id'), column('type'), column('sender'), column('event'), column('status'), column('last_error'),
  ];
  const result: { rows: { written: number }[] } = await db.raw(RECORD_ON_POSTGRES, bindings);
  return result.rows[0]?.written === 1 ? 'recorded' : 'duplicate';
}

/** A `where` for a list of seqs that come as one parameter, whatever their number, and that parameter. */
function seqsIn(onPostgres: boolean, seqs: readonly number[]): [where: string, binding: Knex.RawBinding] {
  return onPostgres ? ['seq = any(?::int[])', seqs as number[]] : ['seq in (select value from json_each(?))', JSON.stringify(seqs)];
}

// The pending events' partial index (migration 0017) is used only by a query
// whose condition is this text: a bound parameter in its place would not do.
const PENDING = "status = 'pending'";

const MARK_DONE = `update inbox_events set status = 'done', processed_at = ?, last_error = null, attempts = attempts + 1 where`;
const UPSERT_IN_HAND = `
  insert into inbox_in_hand (id, seqs, taken_at) values (${IN_HAND_ID}, ?, ?)
  on conflict (id) do update set seqs = excluded.seqs, taken_at = excluded.taken_at`;

// The events the batch before finished, marked done, and the next batch
// recorded in hand: one commit. On PostgreSQL one statement, one round trip.
async function takeInHandWith(db: Database, onPostgres: boolean, seqs: string, now: number, doneBefore: readonly number[]): Promise<void> {
  const [where, done] = seqsIn(onPostgres, doneBefore);
  if (onPostgres) {
    if (doneBefore.length === 0) await db.raw(UPSERT_IN_HAND, [seqs, now]);
    else await db.raw(`with done as (${MARK_DONE} ${where}) ${UPSERT_IN_HAND}`, [now, done, seqs, now]);
    return;
  }
  await inSqliteTransaction(db, (connection) => {
    if (doneBefore.length > 0) statementOf(connection, `${MARK_DONE} ${where}`).run(now, done as string);
    statementOf(connection, UPSERT_IN_HAND).run(seqs, now);
  });
}

export function createInboxStore(db: Database): InboxStore {
  const onPostgres = (db.client as Knex.Client).dialect === 'postgresql';
  return {
    async recordTransaction(txnId, events, now) {
      const fingerprint = fingerprintOf(events);
      return onPostgres ? recordOnPostgres(db, txnId, events, now, fingerprint) : recordOnSqlite(db, txnId, events, now, fingerprint);
    },

    async dueEvents(now, limit) {
      const rows: EventRow[] = await db('inbox_events')
        .whereRaw(PENDING)
        .andWhere('next_attempt_at', '<=', now)
        .orderBy('seq')
        .limit(limit)
        .select('seq', 'event_id', 'event', 'attempts');
      return rows.map((r) => ({ seq: r.seq, eventId: r.event_id, json: r.event, attempts: r.attempts }));
    },

    async nextDueTime() {
      const row = (await db('inbox_events')
        .whereRaw(PENDING)
        .min({ next: 'next_attempt_at' })
        .first()) as { next: number | string | null } | undefined;
      return row?.next === null || row?.next === undefined ? null : Number(row.next);
    },

    async takeInHand(batch, now, doneBefore = []) {
      await takeInHandWith(db, onPostgres, JSON.stringify(batch.map((event): InHandEntry => [event.seq, event.attempts])), now, doneBefore);
    },

    async markDone(seqs, now) {
      const [where, done] = seqsIn(onPostgres, seqs);
      await db.raw(`${MARK_DONE} ${where}`, [now, done]);
    },

    async releaseInHand() {
      await db('inbox_in_hand').where({ id: IN_HAND_ID }).delete();
    },

    async countAbandoned() {
      return db.transaction(async (trx) => {
        const row: { seqs: string } | undefined = await trx('inbox_in_hand').where({ id: IN_HAND_ID }).first('seqs');
        if (!row) return 0;
        let counted = 0;
        // An event whose failure was recorded already (markRetry, markFailed) has its attempt: it is not counted twice.
        for (const [before, seqs] of seqsByAttempts(parseInHand(row.seqs))) {
          const [where, binding] = seqsIn(onPostgres, seqs);
          counted += await trx('inbox_events')
            .whereRaw(where, [binding])
            .andWhere('status', 'pending')
            .andWhere('attempts', '<=', before)
            .update({ attempts: before + 1 });
        }
        await trx('inbox_in_hand').where({ id: IN_HAND_ID }).delete();
        return counted;
      });
    },

    async markRetry(seq, attempts, nextAttemptAt, error) {
      await db('inbox_events').where({ seq }).update({ attempts, next_attempt_at: nextAttemptAt, last_error: error });
    },

    async markFailed(seq, attempts, error, now) {
      await db('inbox_events').where({ seq }).update({ status: 'failed', attempts, last_error: error, processed_at: now });
    },

    async forgetSettled(before, limit) {
      // In seq order, which is the order of arrival: the scan starts at the
      // oldest rows and stops after `limit`, with no index on received_at.
      const oldest = db('inbox_events')
        .where('received_at', '<', before)
        .andWhereNot('status', 'pending')
        .orderBy('seq')
        .limit(limit)
        .select('seq');
      const forgotten = await db('inbox_events').whereIn('seq', oldest).delete();
      // Once, at the last chunk: this table has no index on received_at either.
      if (forgotten < limit) await db('appservice_transactions').where('received_at', '<', before).delete();
      return forgotten;
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
