// v6: the policy list rooms this server follows (its neighbors' ban lists and
// any list the admin subscribed to), each with what to do with its rules.
import type { Knex } from 'knex';

export const name = '0006_policy_subscriptions';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('policy_subscriptions', (table) => {
    table.string('room_id', 255).primary();
    // The neighbor whose ban list it is, or the room as the config names it.
    table.string('source', 255).notNullable();
    table.string('mode', 16).notNullable();
    table.bigInteger('subscribed_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('policy_subscriptions');
}
