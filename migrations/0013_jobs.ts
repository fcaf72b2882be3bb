// v13: one durable job runner for every piece of fan-out work. A job has a
// kind and a subject; each item has a status, its tries, and the transaction
// ID of the message it sends, kept before the send so a retry reuses it.
// The ACL jobs (acl_jobs, acl_job_rooms) and the Bugle's delivery queue
// (bugle_deliveries) are carried over, every row of them, and dropped; a
// member removal left unfinished becomes a job with the steps it had not
// stamped. member_removals stays: it is the record of the removal, and its
// step columns are still stamped as each step is done.
import type { Knex } from 'knex';

export const name = '0013_jobs';

// Room order and item names as src/jobs/kinds/member-removal.ts has them.
const ROOM_ORDER = ['space', 'local_timeline', 'neighborhood_square', 'public_square'];

interface RemovalRow {
  id: number;
  deactivate: boolean | number;
  requested_at: number | string;
  told_at: number | string | null;
  kicked_at: number | string | null;
  invitations_revoked_at: number | string | null;
  deactivated_at: number | string | null;
  finished_at: number | string | null;
}

interface ItemRow { job_id: number; item_key: string; seq: number; status: string; attempts: number; txn_id: string | null; last_error: string | null }

async function insertJob(db: Knex, kind: string, subject: string, createdAt: number | string, finishedAt: number | string | null): Promise<number> {
  const [row] = await db<{ id: number; kind: string; subject: string; created_at: number | string; finished_at: number | string | null }>('jobs')
    .insert({ kind, subject, created_at: createdAt, finished_at: finishedAt })
    .returning('*');
  if (row === undefined) throw new Error('a carried-over job was not stored');
  return row.id;
}

async function insertItems(db: Knex, rows: readonly ItemRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) await db('job_items').insert(rows.slice(i, i + 200));
}

async function carryOverAclJobs(db: Knex): Promise<void> {
  const jobs = await db<{ id: number; reason: string; created_at: number | string; finished_at: number | string | null }>('acl_jobs').orderBy('id');
  for (const job of jobs) {
    const id = await insertJob(db, 'acl-push', job.reason, job.created_at, job.finished_at);
    const rooms = await db<{ job_id: number; room_id: string; status: string; attempts: number; last_error: string | null }>('acl_job_rooms').where({ job_id: job.id }).orderBy('room_id');
    await insertItems(db, rooms.map((r, seq) => ({ job_id: id, item_key: r.room_id, seq, status: r.status, attempts: r.attempts, txn_id: null, last_error: r.last_error })));
  }
}

async function carryOverDeliveries(db: Knex): Promise<void> {
  const broadcasts = await db<{ id: number; created_at: number | string; finished_at: number | string | null }>('bugle_broadcasts').orderBy('id');
  for (const broadcast of broadcasts) {
    const id = await insertJob(db, 'bugle-delivery', String(broadcast.id), broadcast.created_at, broadcast.finished_at);
    const rows = await db<{ broadcast_id: number; recipient: string; status: string; attempts: number; last_error: string | null }>('bugle_deliveries').where({ broadcast_id: broadcast.id }).orderBy('recipient');
    await insertItems(db, rows.map((r, seq) => ({
      job_id: id, item_key: r.recipient, seq,
      status: r.status === 'delivered' ? 'done' : r.status,
      attempts: r.attempts,
      // The ID the queue derived and sent with: a copy that was tried may be in the room already.
      txn_id: r.attempts > 0 ? `dm.bugle.${broadcast.id}.${r.recipient}` : null,
      last_error: r.last_error,
    })));
  }
}

async function carryOverRemovals(db: Knex): Promise<void> {
  const removals = await db<RemovalRow>('member_removals').whereNull('finished_at').orderBy('id');
  const managed: { room_id: string; role: string }[] = await db('managed_rooms').whereNotNull('room_id').select('room_id', 'role');
  const rooms = managed.sort((a, b) => (ROOM_ORDER.indexOf(a.role) >>> 0) - (ROOM_ORDER.indexOf(b.role) >>> 0));
  for (const removal of removals) {
    const undone = (column: 'told_at' | 'kicked_at' | 'invitations_revoked_at' | 'deactivated_at'): boolean => removal[column] === null;
    const keys = [
      ...(undone('told_at') ? ['tell'] : []),
      ...(undone('kicked_at') ? [...rooms.map((r) => `room:${r.room_id}`), 'kicked'] : []),
      ...(undone('invitations_revoked_at') ? ['invitations'] : []),
      ...(removal.deactivate && undone('deactivated_at') ? ['deactivate'] : []),
    ];
    const id = await insertJob(db, 'member-removal', String(removal.id), removal.requested_at, null);
    await insertItems(db, keys.map((item_key, seq) => ({ job_id: id, item_key, seq, status: 'pending', attempts: 0, txn_id: null, last_error: null })));
  }
}

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('jobs', (table) => {
    table.increments('id').primary();
    // acl-push, bugle-delivery, member-removal
    table.string('kind', 32).notNullable();
    // What the job is about, in its kind's terms: an ACL change's reason, a broadcast's or a removal's ID.
    table.text('subject').notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('finished_at');
    table.index(['kind', 'finished_at']);
  });
  await db.schema.createTable('job_items', (table) => {
    table.integer('job_id').notNullable().references('id').inTable('jobs');
    // A room ID, a recipient, a step.
    table.string('item_key', 255).notNullable();
    table.integer('seq').notNullable();
    // pending, done, failed or refused
    table.string('status', 16).notNullable().defaultTo('pending');
    table.integer('attempts').notNullable().defaultTo(0);
    table.string('txn_id', 255);
    table.text('last_error');
    table.string('note', 64);
    table.bigInteger('finished_at');
    table.primary(['job_id', 'item_key']);
    table.index(['job_id', 'status', 'seq']);
  });
  await carryOverAclJobs(db);
  await carryOverDeliveries(db);
  await carryOverRemovals(db);
  for (const table of ['acl_job_rooms', 'acl_jobs', 'bugle_deliveries']) await db.schema.dropTable(table);
}

export async function down(db: Knex): Promise<void> {
  // The old tables come back empty, as earlier migrations' down steps expect them.
  await db.schema.createTable('acl_jobs', (table) => {
    table.increments('id').primary();
    table.text('reason').notNullable();
    table.text('kick_globs').notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('finished_at');
  });
  await db.schema.createTable('acl_job_rooms', (table) => {
    table.integer('job_id').notNullable().references('id').inTable('acl_jobs');
    table.string('room_id', 255).notNullable();
    table.string('status', 16).notNullable().defaultTo('pending');
    table.integer('attempts').notNullable().defaultTo(0);
    table.text('last_error');
    table.primary(['job_id', 'room_id']);
  });
  await db.schema.createTable('bugle_deliveries', (table) => {
    table.integer('broadcast_id').notNullable().references('id').inTable('bugle_broadcasts');
    table.string('recipient', 255).notNullable();
    table.string('status', 16).notNullable().defaultTo('pending');
    table.integer('attempts').notNullable().defaultTo(0);
    table.text('last_error');
    table.bigInteger('delivered_at');
    table.primary(['broadcast_id', 'recipient']);
    table.index(['status']);
  });
  await db.schema.dropTable('job_items');
  await db.schema.dropTable('jobs');
}
