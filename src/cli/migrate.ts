// `hearth migrate`: brings the database schema up to date and exits.
import { loadConfig } from '../config/load.ts';
import { openDatabase } from '../store/database.ts';
import { migrateToLatest } from '../store/migrate.ts';

export async function runMigrate(path: string): Promise<void> {
  const db = openDatabase(loadConfig(path).database);
  try {
    const { applied } = await migrateToLatest(db);
    process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'the database is up to date\n');
  } finally {
    await db.destroy();
  }
}
