// v11: the neighborhood rooms of other servers that their Hearth invited this
// server's bot to. The bot joins once the server is a neighbor here too, and
// then invites this community's members; it leaves when the server stops
// being a neighbor.
import type { Knex } from 'knex';

export const name = '0011_neighbor_rooms';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('neighbor_rooms', (table) => {
    table.string('room_id', 255).primary();
    table.string('server', 255).notNullable();
    // The creation key the room's m.room.create carried (policy_list marks a ban list).
    table.string('creation_key', 255);
    // invited: waiting for the server to be a neighbor here; joined.
    table.string('status', 16).notNullable();
    table.bigInteger('updated_at').notNullable();
    table.index(['server']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('neighbor_rooms');
}
