// v14: the members who asked (`!web off`) that their posts stay off the
// community's public web pages and feed. A row is the opt-out; `!web on`
// deletes it.
import type { Knex } from 'knex';

export const name = '0014_web_opt_outs';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('web_opt_outs', (table) => {
    table.string('user_id', 255).primary();
    table.bigInteger('opted_out_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('web_opt_outs');
}
