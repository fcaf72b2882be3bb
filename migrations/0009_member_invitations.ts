// v9: each welcome invitation a member is owed, recorded room by room. A row is
// written (claimed) before the invitation is sent, so an invitation is never
// sent twice, even across a crash: a claim whose outcome is unknown is checked
// against the room's membership before anything is sent again.
import type { Knex } from 'knex';

export const name = '0009_member_invitations';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('member_invitations', (table) => {
    table.string('user_id', 255).notNullable();
    table.string('room_id', 255).notNullable();
    // claimed (being sent, or its outcome unknown), sent, or given_up (refused for good).
    table.string('status', 16).notNullable();
    table.integer('attempts').notNullable().defaultTo(0);
    table.text('last_error');
    table.bigInteger('updated_at').notNullable();
    table.primary(['user_id', 'room_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('member_invitations');
}
