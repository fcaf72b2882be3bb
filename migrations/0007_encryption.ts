// v7: end-to-end encryption. Each bot's crypto device (its identity keys,
// Olm and Megolm sessions, device list) lives here as one snapshot whose
// values are encrypted; and a managed room records whether it is encrypted,
// which can be turned on but never off.
import type { Knex } from 'knex';

export const name = '0007_encryption';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('crypto_devices', (table) => {
    table.string('user_id', 255).primary();
    table.string('device_id', 64).notNullable();
    // The crypto store's databases, serialized; its values are encrypted with encryption.store_key.
    table.binary('snapshot').nullable();
    table.bigInteger('updated_at').notNullable();
  });
  await db.schema.alterTable('managed_rooms', (table) => {
    table.boolean('encrypted').notNullable().defaultTo(false);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('managed_rooms', (table) => {
    table.dropColumn('encrypted');
  });
  await db.schema.dropTable('crypto_devices');
}
