// v15: the reconciler's repair log, which the dashboard's Repairs page reads.
// A row is one repair the reconciler reported in the admin room: the room (by
// ID, and by its name then), its tier, the state event's type, what it was
// (canonical JSON; null when the event was missing), what was restored, and
// what set the pass going. The store keeps only the newest rows.
import type { Knex } from 'knex';

export const name = '0015_repairs';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('repairs', (table) => {
    table.increments('id').primary();
    table.string('room_id', 255).notNullable();
    table.string('room_name', 255).notNullable();
    table.string('tier', 32).notNullable();
    table.string('state_type', 255).notNullable();
    table.text('previous').nullable();
    table.text('restored').notNullable();
    table.text('trigger_description').notNullable();
    table.bigInteger('repaired_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('repairs');
}
