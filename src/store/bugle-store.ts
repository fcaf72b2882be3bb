// The Bugle's records: drafts, broadcasts with their delivery queue, opt-outs
// and revocations.
import type { Database } from './database.ts';

export interface Draft {
  sender: string;
  body: string;
  roomId: string;
  createdAt: number;
}

export interface Broadcast {
  id: number;
  sender: string;
  body: string;
  digest: string;
  reportRoomId: string;
  recipientCount: number;
  optedOutCount: number;
  createdAt: number;
  finishedAt: number | null;
}

export interface DeliveryCounts {
  delivered: number;
  failed: number;
  /** Recipients who accept no invitations, so no DM could be opened with them (MSC4380). */
  refused: number;
  pending: number;
}

/** What became of one recipient's copy. */
export type DeliveryOutcome = 'delivered' | 'failed' | 'refused';

export type OptOutHow = 'command' | 'left';

export interface BugleStore {
  saveDraft(draft: Draft): Promise<void>;
  takeDraft(sender: string): Promise<Draft | null>;
  /** Records a broadcast and queues one delivery per recipient, in one transaction. */
  createBroadcast(b: Omit<Broadcast, 'id' | 'finishedAt'>, recipients: readonly string[]): Promise<Broadcast>;
  unfinished(): Promise<Broadcast[]>;
  pendingRecipients(broadcastId: number): Promise<string[]>;
  markDelivery(broadcastId: number, recipient: string, status: DeliveryOutcome, attempts: number, error: string | null, now: number): Promise<void>;
  counts(broadcastId: number): Promise<DeliveryCounts>;
  /** The recipients of a broadcast whose copy ended as `status`, in order. */
  recipientsWith(broadcastId: number, status: DeliveryOutcome): Promise<string[]>;
  finish(broadcastId: number, now: number): Promise<void>;
  /** When each of the sender's broadcasts since `since` was sent, oldest first. */
  sentSince(sender: string | null, since: number): Promise<number[]>;
  recent(limit: number): Promise<Broadcast[]>;
  optOut(userId: string, how: OptOutHow, now: number): Promise<void>;
  optIn(userId: string): Promise<void>;
  optedOut(): Promise<Map<string, OptOutHow>>;
  revoke(userId: string, by: string, now: number): Promise<void>;
  restore(userId: string): Promise<boolean>;
  isRevoked(userId: string): Promise<boolean>;
}

interface BroadcastRow {
  id: number;
  sender: string;
  body: string;
  digest: string;
  report_room_id: string;
  recipient_count: number;
  opted_out_count: number;
  created_at: number | string;
  finished_at: number | string | null;
}

function broadcastOf(row: BroadcastRow): Broadcast {
  return {
    id: row.id,
    sender: row.sender,
    body: row.body,
    digest: row.digest,
    reportRoomId: row.report_room_id,
    recipientCount: row.recipient_count,
    optedOutCount: row.opted_out_count,
    createdAt: Number(row.created_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

const CHUNK = 200;

export function createBugleStore(db: Database): BugleStore {
  return {
    async saveDraft(draft) {
      await db('bugle_drafts')
        .insert({ sender: draft.sender, body: draft.body, room_id: draft.roomId, created_at: draft.createdAt })
        .onConflict('sender')
        .merge();
    },
    async takeDraft(sender) {
      return db.transaction(async (trx) => {
        const row = (await trx('bugle_drafts').where({ sender }).first()) as { sender: string; body: string; room_id: string; created_at: number | string } | undefined;
        if (!row) return null;
        await trx('bugle_drafts').where({ sender }).delete();
        return { sender: row.sender, body: row.body, roomId: row.room_id, createdAt: Number(row.created_at) };
      });
    },
    async createBroadcast(b, recipients) {
      return db.transaction(async (trx) => {
        const [row] = await trx<BroadcastRow>('bugle_broadcasts')
          .insert({
            sender: b.sender,
            body: b.body,
            digest: b.digest,
            report_room_id: b.reportRoomId,
            recipient_count: b.recipientCount,
            opted_out_count: b.optedOutCount,
            created_at: b.createdAt,
          })
          .returning('*');
        if (!row) throw new Error('the broadcast was not stored');
        for (let i = 0; i < recipients.length; i += CHUNK) {
          await trx('bugle_deliveries').insert(recipients.slice(i, i + CHUNK).map((recipient) => ({ broadcast_id: row.id, recipient })));
        }
        return broadcastOf(row);
      });
    },
    async unfinished() {
      return (await db<BroadcastRow>('bugle_broadcasts').whereNull('finished_at').orderBy('id')).map(broadcastOf);
    },
    async pendingRecipients(broadcastId) {
      const rows: { recipient: string }[] = await db('bugle_deliveries').where({ broadcast_id: broadcastId, status: 'pending' }).orderBy('recipient').select('recipient');
      return rows.map((r) => r.recipient);
    },
    async markDelivery(broadcastId, recipient, status, attempts, error, now) {
      await db('bugle_deliveries')
        .where({ broadcast_id: broadcastId, recipient })
        .update({ status, attempts, last_error: error, delivered_at: status === 'delivered' ? now : null });
    },
    async counts(broadcastId) {
      const rows: { status: string; n: number | string }[] = await db('bugle_deliveries').where({ broadcast_id: broadcastId }).groupBy('status').select('status').count({ n: '*' });
      const of = (status: string): number => Number(rows.find((r) => r.status === status)?.n ?? 0);
      return { delivered: of('delivered'), failed: of('failed'), refused: of('refused'), pending: of('pending') };
    },
    async recipientsWith(broadcastId, status) {
      const rows: { recipient: string }[] = await db('bugle_deliveries').where({ broadcast_id: broadcastId, status }).orderBy('recipient').select('recipient');
      return rows.map((r) => r.recipient);
    },
    async finish(broadcastId, now) {
      await db('bugle_broadcasts').where({ id: broadcastId }).update({ finished_at: now });
    },
    async sentSince(sender, since) {
      const query = db('bugle_broadcasts').where('created_at', '>=', since).orderBy('created_at').select('created_at');
      if (sender !== null) void query.andWhere({ sender });
      return ((await query) as { created_at: number | string }[]).map((r) => Number(r.created_at));
    },
    async recent(limit) {
      return (await db<BroadcastRow>('bugle_broadcasts').orderBy('id', 'desc').limit(limit)).map(broadcastOf);
    },
    async optOut(userId, how, now) {
      await db('bugle_opt_outs').insert({ user_id: userId, how, at: now }).onConflict('user_id').merge();
    },
    async optIn(userId) {
      await db('bugle_opt_outs').where({ user_id: userId }).delete();
    },
    async optedOut() {
      const rows: { user_id: string; how: OptOutHow }[] = await db('bugle_opt_outs').select('user_id', 'how');
      return new Map(rows.map((r) => [r.user_id, r.how]));
    },
    async revoke(userId, by, now) {
      await db('bugle_revocations').insert({ user_id: userId, revoked_by: by, at: now }).onConflict('user_id').merge();
    },
    async restore(userId) {
      return (await db('bugle_revocations').where({ user_id: userId }).delete()) > 0;
    },
    async isRevoked(userId) {
      return (await db('bugle_revocations').where({ user_id: userId }).first()) !== undefined;
    },
  };
}
