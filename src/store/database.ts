// Opens the database named in the config. SQLite is the embedded default (one
// file in the data folder); PostgreSQL is for larger or managed installs.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knex, { type Knex } from 'knex';
import type { Config } from '../config/schema.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { NodeSqliteClient } from './node-sqlite-client.ts';

export type Database = Knex;

/**
 * What knex has to say goes to Hearth's log, one line each. Knex reports every
 * failed connection with its stack trace; during an outage that is several
 * lines a second, so those are debug lines: the loops that use the database
 * say once that it is out, and once that it is back (logging/outage.ts).
 */
function knexLog(log: Logger): Knex.Logger {
  const firstLine = (message: unknown): string => String(message).split('\n', 1)[0] ?? '';
  const aboutConnecting = /^(Acquire connection error|Connection Error)/;
  return {
    warn: (message) => {
      const line = firstLine(message);
      if (aboutConnecting.test(line)) log.debug(line);
      else log.warn(line);
    },
    error: (message) => { log.error(firstLine(message)); },
    debug: (message) => { log.debug(firstLine(message)); },
    deprecate: (method, alternative) => { log.warn(`knex: ${method} is deprecated; use ${alternative}`); },
  };
}

export function openDatabase(settings: Config['database'], log: Logger = createLogger('hearth.database')): Database {
  if (settings.engine === 'postgres') {
    return knex({ client: 'pg', connection: settings.postgres_url, pool: { min: 0, max: 10 }, log: knexLog(log) });
  }
  if (settings.sqlite_path !== ':memory:') mkdirSync(dirname(settings.sqlite_path), { recursive: true });
  return knex({
    client: NodeSqliteClient as unknown as typeof Knex.Client,
    connection: { filename: settings.sqlite_path },
    useNullAsDefault: true,
    log: knexLog(log),
  });
}

/** Whether an error is a unique-constraint violation, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return code === '23505' || /UNIQUE constraint failed/.test(error.message);
}
