// v17: the inbox's due index holds the pending events alone. It indexed every
// event by status, so marking a batch done wrote a new entry for each of its
// events there too, and the index kept a week of settled events that no read
// asks for. A partial index on the pending events (the same text on both
// databases) is what the worker's due read walks, in order of arrival; an
// event leaves it when it is settled.
import type { Knex } from 'knex';

export const name = '0017_inbox_pending_index';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('inbox_events', (table) => { table.dropIndex([], 'inbox_events_due'); });
  await db.raw("create index inbox_events_pending on inbox_events (seq) where status = 'pending'");
}

export async function down(db: Knex): Promise<void> {
  await db.raw('drop index inbox_events_pending');
  await db.schema.alterTable('inbox_events', (table) => { table.index(['status', 'next_attempt_at', 'seq'], 'inbox_events_due'); });
}
