// v16: the inbox's batch in hand. Before the worker runs the handlers of a
// batch it records the batch here, in one small row, rather than counting an
// attempt on each of its events (a write of every event's row, and of each of
// their index entries). The row is cleared in the same database transaction
// that marks the batch done. A row still here at the next start is a batch the
// process died in: one attempt is then counted for each of its events still
// pending. `seqs` is a JSON object: each event's seq and its attempts before.
import type { Knex } from 'knex';

export const name = '0016_inbox_in_hand';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('inbox_in_hand', (table) => {
    // One worker per database, so one row: id is always 1.
    table.integer('id').primary();
    table.text('seqs').notNullable();
    table.bigInteger('taken_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('inbox_in_hand');
}
