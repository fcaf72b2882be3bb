// v8: a transaction is a retry only when its txnId *and* its events match what
// was recorded. Synapse on SQLite forgets sent transactions and counts its
// txnIds from 1 again after a restart, so the txnId alone cannot tell a retry
// from a new transaction. The fingerprint is a digest of the event IDs in
// order; rows recorded before it existed have none and never match.
import type { Knex } from 'knex';

export const name = '0008_transaction_fingerprints';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('appservice_transactions', (table) => {
    table.string('fingerprint', 64).nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('appservice_transactions', (table) => {
    table.dropColumn('fingerprint');
  });
}
