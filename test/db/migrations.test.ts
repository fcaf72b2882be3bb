import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { DatabaseTooNewError, migrateToLatest } from '../../src/store/migrate.ts';
import { migrations } from '../../migrations/index.ts';
import { ENGINES, scratchDatabase, type ScratchDatabase } from '../support/databases.ts';

for (const engine of ENGINES) {
  describe(`migrations on ${engine}`, () => {
    const scratches: ScratchDatabase[] = [];
    after(async () => { await Promise.all(scratches.map((s) => s.drop())); });

    /** Runs `test` on a database of its own, closed after it. */
    async function onFresh(test: (db: Database) => Promise<void>): Promise<void> {
      const scratch = await scratchDatabase(engine);
      scratches.push(scratch);
      const db = openDatabase(scratch.settings);
      try {
        await test(db);
      } finally {
        await db.destroy();
      }
    }

    it('builds the whole schema on an empty database, then has nothing left to do', () => onFresh(async (db) => {
      assert.deepEqual((await migrateToLatest(db)).applied, migrations.map((m) => m.name));
      assert.deepEqual((await migrateToLatest(db)).applied, []);
      for (const table of ['appservice_transactions', 'inbox_events', 'managed_rooms', 'members', 'neighborhood_servers', 'defederated_servers']) {
        assert.equal(await db.schema.hasTable(table), true, table);
      }
    }));

    it('starts on an up-to-date database without the migrator, even while another process holds its lock', () => onFresh(async (db) => {
      await migrateToLatest(db);
      await db('knex_migrations_lock').update({ is_locked: 1 });
      assert.deepEqual((await migrateToLatest(db)).applied, []);
    }));

    it('still takes the migrator\'s lock when a migration is left to apply', () => onFresh(async (db) => {
      await migrateToLatest(db);
      const last = migrations.at(-1);
      assert.ok(last);
      await last.down(db);
      await db('knex_migrations').where({ name: last.name }).del();
      await db('knex_migrations_lock').update({ is_locked: 1 });
      await assert.rejects(migrateToLatest(db), /locked/i);
      await db('knex_migrations_lock').update({ is_locked: 0 });
      assert.deepEqual((await migrateToLatest(db)).applied, [last.name]);
    }));

    it('refuses a database migrated by a newer Hearth', () => onFresh(async (db) => {
      await migrateToLatest(db);
      await db('knex_migrations').insert({ name: '9999_from_the_future', batch: 99, migration_time: new Date() });
      await assert.rejects(migrateToLatest(db), (error: Error) => error instanceof DatabaseTooNewError && /9999_from_the_future/.test(error.message));
    }));

    it('rolls every migration back down to an empty schema', () => onFresh(async (db) => {
      await migrateToLatest(db);
      for (const migration of [...migrations].reverse()) await migration.down(db);
      assert.equal(await db.schema.hasTable('inbox_events'), false);
    }));
  });
}
