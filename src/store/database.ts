// Opens the database named in the config. SQLite is the embedded default (one
// file in the data folder); PostgreSQL is for larger or managed installs.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knex, { type Knex } from 'knex';
import type { Config } from '../config/schema.ts';
import { NodeSqliteClient } from './node-sqlite-client.ts';

export type Database = Knex;

export function openDatabase(settings: Config['database']): Database {
  if (settings.engine === 'postgres') {
    return knex({ client: 'pg', connection: settings.postgres_url, pool: { min: 0, max: 10 } });
  }
  if (settings.sqlite_path !== ':memory:') mkdirSync(dirname(settings.sqlite_path), { recursive: true });
  return knex({
    client: NodeSqliteClient as unknown as typeof Knex.Client,
    connection: { filename: settings.sqlite_path },
    useNullAsDefault: true,
  });
}

/** Whether an error is a unique-constraint violation, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return code === '23505' || /UNIQUE constraint failed/.test(error.message);
}
