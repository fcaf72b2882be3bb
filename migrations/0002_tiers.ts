// v2: the rooms Hearth manages with their tiers, the community's members, and
// the server lists the tier policy reads (neighbors, defederated servers).
// Replaces v1's community_rooms (which held only the admin room).
import type { Knex } from 'knex';

export const name = '0002_tiers';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('managed_rooms', (table) => {
    // Known before the room exists, and written into its m.room.create, so a
    // creation cut short by a crash is found again instead of repeated.
    table.string('creation_key', 255).primary();
    table.string('room_id', 255).unique();
    table.string('role', 32).notNullable();
    table.string('tier', 16).notNullable();
    table.string('name', 255).notNullable();
    table.string('requested_by', 255);
    table.bigInteger('created_at').notNullable();
  });
  const admin = (await db('community_rooms').where({ role: 'admin' }).first()) as { room_id: string; created_at: number } | undefined;
  if (admin) {
    await db('managed_rooms').insert({ creation_key: 'admin', room_id: admin.room_id, role: 'admin', tier: 'local', name: 'Admin room', created_at: admin.created_at });
  }
  await db.schema.dropTable('community_rooms');
  await db.schema.createTable('members', (table) => {
    table.string('user_id', 255).primary();
    table.bigInteger('first_seen_at').notNullable();
    table.bigInteger('invited_at');
    // Set when the member leaves or rejects the community space: never invited again.
    table.bigInteger('left_at');
  });
  await db.schema.createTable('neighborhood_servers', (table) => {
    table.string('server_name', 255).primary();
    table.bigInteger('added_at').notNullable();
  });
  await db.schema.createTable('defederated_servers', (table) => {
    table.string('server_glob', 255).primary();
    table.text('reason').notNullable();
    table.bigInteger('decided_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('defederated_servers');
  await db.schema.dropTable('neighborhood_servers');
  await db.schema.dropTable('members');
  await db.schema.createTable('community_rooms', (table) => {
    table.string('role', 64).primary();
    table.string('room_id', 255).notNullable().unique();
    table.bigInteger('created_at').notNullable();
  });
  await db.schema.dropTable('managed_rooms');
}
