// v1: the appservice inbox (transactions and the events they carried) and the
// rooms Hearth creates for the community.
import type { Knex } from 'knex';

export const name = '0001_initial';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('appservice_transactions', (table) => {
    table.string('txn_id', 255).primary();
    table.integer('event_count').notNullable();
    table.bigInteger('received_at').notNullable();
  });
  await db.schema.createTable('inbox_events', (table) => {
    table.increments('seq').primary();
    table.string('event_id', 255).notNullable().unique();
    table.string('txn_id', 255).notNullable();
    table.string('room_id', 255);
    table.string('type', 255);
    table.string('sender', 255);
    table.text('event').notNullable();
    table.string('status', 16).notNullable().defaultTo('pending');
    table.integer('attempts').notNullable().defaultTo(0);
    table.bigInteger('next_attempt_at').notNullable().defaultTo(0);
    table.text('last_error');
    table.bigInteger('received_at').notNullable();
    table.bigInteger('processed_at');
    table.index(['status', 'next_attempt_at', 'seq'], 'inbox_events_due');
  });
  await db.schema.createTable('community_rooms', (table) => {
    table.string('role', 64).primary();
    table.string('room_id', 255).notNullable().unique();
    table.bigInteger('created_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('community_rooms');
  await db.schema.dropTable('inbox_events');
  await db.schema.dropTable('appservice_transactions');
}
