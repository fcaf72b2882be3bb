// v5: the neighborhood council rooms this server's bot has joined. Membership
// itself is never stored here: it is derived from each council's signed state.
import type { Knex } from 'knex';

export const name = '0005_neighborhood';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('neighborhood_councils', (table) => {
    table.string('room_id', 255).primary();
    table.bigInteger('joined_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('neighborhood_councils');
}
