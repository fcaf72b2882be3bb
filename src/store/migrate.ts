// Brings the database to the schema this Hearth expects. Each migration runs in
// its own transaction together with its entry in knex_migrations, so a crash
// leaves the schema at a version boundary. A database migrated by a newer
// Hearth is refused rather than used with a schema this code does not know.
import { migrations, type Migration } from '../../migrations/index.ts';
import type { Database } from './database.ts';

export class DatabaseTooNewError extends Error {
  constructor(unknown: readonly string[]) {
    super(`the database was migrated by a newer Hearth (unknown migrations: ${unknown.join(', ')}); upgrade Hearth or restore a backup`);
    this.name = 'DatabaseTooNewError';
  }
}

const MIGRATIONS_TABLE = 'knex_migrations';

const source = {
  getMigrations: (): Promise<Migration[]> => Promise.resolve([...migrations]),
  getMigrationName: (migration: Migration): string => migration.name,
  getMigration: (migration: Migration): Promise<Migration> => Promise.resolve(migration),
};

async function appliedMigrations(db: Database): Promise<string[]> {
  if (!(await db.schema.hasTable(MIGRATIONS_TABLE))) return [];
  const rows: { name: string }[] = await db(MIGRATIONS_TABLE).select('name');
  return rows.map((row) => row.name);
}

export async function migrateToLatest(db: Database): Promise<{ applied: string[] }> {
  const known = new Set(migrations.map((m) => m.name));
  const already = await appliedMigrations(db);
  const unknown = already.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new DatabaseTooNewError(unknown);
  // Most starts find every migration applied. The migrator's lock and its own
  // checks (about a dozen statements) are for a start that has one to apply.
  if (new Set(already).size === known.size) return { applied: [] };
  const [, applied] = (await db.migrate.latest({ migrationSource: source, tableName: MIGRATIONS_TABLE })) as [number, string[]];
  return { applied };
}

export function schemaVersion(): string {
  return migrations.at(-1)?.name ?? 'none';
}
