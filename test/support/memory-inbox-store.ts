// The inbox store in memory, for unit tests of the worker: the same contract
// as the database one, plus a log of the writes in the order they came.
import type { IncomingEvent, InboxStatus, InboxStore, StoredEvent } from '../../src/store/inbox-store.ts';

export interface MemoryInboxRow {
  seq: number;
  eventId: string;
  json: string;
  status: InboxStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  receivedAt: number;
}

export class MemoryInboxStore implements InboxStore {
  readonly rows: MemoryInboxRow[] = [];
  /** Each write, e.g. `takeInHand $a,$b` or `markDone $a`. */
  readonly writes: string[] = [];
  /** The batch in hand: each event's seq and its attempts before it, or null. */
  inHand: Map<number, number> | null = null;

  private lastSeq = 0;

  /** Adds pending events by ID, each an event of that ID. */
  add(...eventIds: string[]): void {
    this.addReceivedAt(0, ...eventIds);
  }

  addReceivedAt(receivedAt: number, ...eventIds: string[]): void {
    for (const eventId of eventIds) {
      this.rows.push({ seq: ++this.lastSeq, eventId, json: JSON.stringify({ event_id: eventId }), status: 'pending', attempts: 0, nextAttemptAt: 0, lastError: null, receivedAt });
    }
  }

  row(eventId: string): MemoryInboxRow {
    const row = this.rows.find((r) => r.eventId === eventId);
    if (!row) throw new Error(`no event ${eventId} in the inbox`);
    return row;
  }

  private bySeq(seq: number): MemoryInboxRow {
    const row = this.rows.find((r) => r.seq === seq);
    if (!row) throw new Error(`no event with seq ${seq} in the inbox`);
    return row;
  }

  private idsOf(seqs: readonly number[]): string {
    return seqs.map((seq) => this.bySeq(seq).eventId).join(',');
  }

  recordTransaction(_txnId: string, events: readonly IncomingEvent[], now: number): Promise<'recorded' | 'duplicate'> {
    const fresh = events.filter((e) => !this.rows.some((r) => r.eventId === e.eventId));
    this.addReceivedAt(now, ...fresh.map((e) => e.eventId));
    return Promise.resolve('recorded');
  }

  dueEvents(now: number, limit: number): Promise<StoredEvent[]> {
    return Promise.resolve(this.rows
      .filter((r) => r.status === 'pending' && r.nextAttemptAt <= now)
      .slice(0, limit)
      .map((r) => ({ seq: r.seq, eventId: r.eventId, json: r.json, attempts: r.attempts })));
  }

  nextDueTime(): Promise<number | null> {
    const pending = this.rows.filter((r) => r.status === 'pending').map((r) => r.nextAttemptAt);
    return Promise.resolve(pending.length === 0 ? null : Math.min(...pending));
  }

  /** One write: with events of the batch before done, `markDone $a,$b + takeInHand $c`. */
  takeInHand(batch: readonly Pick<StoredEvent, 'seq' | 'attempts'>[], _now: number, doneBefore: readonly number[] = []): Promise<void> {
    const taking = `takeInHand ${this.idsOf(batch.map((e) => e.seq))}`;
    this.writes.push(doneBefore.length > 0 ? `markDone ${this.idsOf(doneBefore)} + ${taking}` : taking);
    this.setDone(doneBefore);
    this.inHand = new Map(batch.map((e) => [e.seq, e.attempts]));
    return Promise.resolve();
  }

  markDone(seqs: readonly number[]): Promise<void> {
    this.writes.push(`markDone ${this.idsOf(seqs)}`);
    this.setDone(seqs);
    return Promise.resolve();
  }

  private setDone(seqs: readonly number[]): void {
    for (const seq of seqs) {
      const row = this.bySeq(seq);
      Object.assign(row, { status: 'done', lastError: null, attempts: row.attempts + 1 });
    }
  }

  releaseInHand(): Promise<void> {
    this.writes.push('releaseInHand');
    this.inHand = null;
    return Promise.resolve();
  }

  countAbandoned(): Promise<number> {
    let counted = 0;
    for (const [seq, before] of this.inHand ?? []) {
      const row = this.bySeq(seq);
      if (row.status !== 'pending' || row.attempts > before) continue;
      row.attempts = before + 1;
      counted++;
    }
    this.inHand = null;
    return Promise.resolve(counted);
  }

  markRetry(seq: number, attempts: number, nextAttemptAt: number, error: string): Promise<void> {
    this.writes.push(`markRetry ${this.idsOf([seq])}`);
    Object.assign(this.bySeq(seq), { attempts, nextAttemptAt, lastError: error });
    return Promise.resolve();
  }

  markFailed(seq: number, attempts: number, error: string): Promise<void> {
    this.writes.push(`markFailed ${this.idsOf([seq])}`);
    Object.assign(this.bySeq(seq), { status: 'failed', attempts, lastError: error });
    return Promise.resolve();
  }

  forgetSettled(before: number, limit: number): Promise<number> {
    const old = this.rows.filter((r) => r.status !== 'pending' && r.receivedAt < before).slice(0, limit);
    this.writes.push(`forgetSettled ${old.map((r) => r.eventId).join(',')}`);
    for (const row of old) this.rows.splice(this.rows.indexOf(row), 1);
    return Promise.resolve(old.length);
  }

  countByStatus(): Promise<Partial<Record<InboxStatus, number>>> {
    const counts: Partial<Record<InboxStatus, number>> = {};
    for (const r of this.rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
    return Promise.resolve(counts);
  }
}
