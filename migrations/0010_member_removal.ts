// v10: a person kicked or banned from the community space by someone else is
// removed: no longer a member, so Hearth removes them from every local and
// neighborhood room and keeps them out until an admin invites them back.
import type { Knex } from 'knex';

export const name = '0010_member_removal';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('members', (table) => {
    table.bigInteger('removed_at').nullable();
    table.string('removed_by', 255).nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('members', (table) => {
    table.dropColumn('removed_by');
    table.dropColumn('removed_at');
  });
}
