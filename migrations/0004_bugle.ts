// v4: the Bugle. Drafts awaiting the sender's confirmation, broadcasts (the
// audit log), one delivery row per recipient (the queue a restart resumes),
// opt-outs and revocations.
import type { Knex } from 'knex';

export const name = '0004_bugle';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('bugle_drafts', (table) => {
    table.string('sender', 255).primary();
    table.text('body').notNullable();
    table.string('room_id', 255).notNullable();
    table.bigInteger('created_at').notNullable();
  });
  await db.schema.createTable('bugle_broadcasts', (table) => {
    table.increments('id').primary();
    table.string('sender', 255).notNullable();
    table.text('body').notNullable();
    table.string('digest', 64).notNullable();
    // Where the sender confirmed it: the delivery report goes there.
    table.string('report_room_id', 255).notNullable();
    table.integer('recipient_count').notNullable();
    table.integer('opted_out_count').notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('finished_at');
    table.index(['sender', 'created_at']);
    table.index(['created_at']);
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
  await db.schema.createTable('bugle_opt_outs', (table) => {
    table.string('user_id', 255).primary();
    // "command" (!bugle off), or "left" (left or rejected the Bugle's DM: never invited again).
    table.string('how', 16).notNullable();
    table.bigInteger('at').notNullable();
  });
  await db.schema.createTable('bugle_revocations', (table) => {
    table.string('user_id', 255).primary();
    table.string('revoked_by', 255).notNullable();
    table.bigInteger('at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['bugle_revocations', 'bugle_opt_outs', 'bugle_deliveries', 'bugle_broadcasts', 'bugle_drafts']) await db.schema.dropTable(table);
}
