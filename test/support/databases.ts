// Runs a database test on every engine Hearth supports: SQLite (a fresh file)
// and PostgreSQL (a fresh database on the server named by
// HEARTH_TEST_POSTGRES_URL). A missing PostgreSQL is an error, never a skip.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import knex from 'knex';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import type { Config } from '../../src/config/schema.ts';

export type Engine = Config['database']['engine'];
export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

export interface ScratchDatabase {
  settings: Config['database'];
  drop(): Promise<void>;
}

function postgresServerUrl(): string {
  const url = process.env.HEARTH_TEST_POSTGRES_URL;
  if (!url) throw new Error('HEARTH_TEST_POSTGRES_URL is not set: run the tests with ./scripts/test, which starts PostgreSQL');
  return url;
}

export async function scratchDatabase(engine: Engine): Promise<ScratchDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-db-'));
    return {
      settings: { engine, sqlite_path: join(dir, 'hearth.sqlite'), postgres_url: '' },
      drop: () => { rmSync(dir, { recursive: true, force: true }); return Promise.resolve(); },
    };
  }
  const serverUrl = postgresServerUrl();
  const name = `hearth_test_${randomBytes(6).toString('hex')}`;
  const admin = knex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  await admin.destroy();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    settings: { engine, sqlite_path: '', postgres_url: url.toString() },
    drop: async () => {
      const cleanup = knex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
      await cleanup.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.destroy();
    },
  };
}

/**
 * A fresh, migrated database of the engine for the enclosing describe block:
 * created before its tests and dropped after them. Returns a getter.
 */
export function useMigratedDatabase(engine: Engine): () => Database {
  let scratch: ScratchDatabase | null = null;
  let db: Database | null = null;
  before(async () => {
    scratch = await scratchDatabase(engine);
    db = openDatabase(scratch.settings);
    await migrateToLatest(db);
  });
  after(async () => {
    await db?.destroy();
    await scratch?.drop();
  });
  return () => {
    if (!db) throw new Error('the database is ready only inside tests');
    return db;
  };
}
