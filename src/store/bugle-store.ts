// The Bugle's records: drafts, broadcasts (the audit log), opt-outs and
// revocations. Each broadcast's deliveries are the items of its job
// (jobs-store.ts), whose subject is the broadcast's ID.
import type { Knex } from 'knex';
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

export type OptOutHow = 'command' | 'left';

export interface BugleStore {
  saveDraft(draft: Draft): Promise<void>;
  takeDraft(sender: string): Promise<Draft | null>;
  /** Records a broadcast, in the transaction that records its delivery job. */
  recordBroadcast(trx: Knex.Transaction, b: Omit<Broadcast, 'id' | 'finishedAt'>): Promise<Broadcast>;
  broadcast(id: number): Promise<Broadcast | null>;
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
    async recordBroadcast(trx, b) {
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
      return broadcastOf(row);
    },
    async broadcast(id) {
      const row = await db<BroadcastRow>('bugle_broadcasts').where({ id }).first();
      return row ? broadcastOf(row) : null;
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
