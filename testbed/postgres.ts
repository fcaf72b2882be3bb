// A fresh PostgreSQL database for one Hearth, for runs that test Hearth on
// PostgreSQL instead of SQLite. Dropping it first gives every `up` the same
// empty start that the SQLite file gets by being deleted.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function hearthDatabaseName(short: string): string {
  return `hearth_${short.replace(/-/g, '_')}`;
}

export async function recreateDatabase(urlPrefix: string, database: string): Promise<string> {
  // The maintenance database is where CREATE/DROP DATABASE are issued from.
  const maintenanceUrl = `${urlPrefix}/postgres`;
  try {
    await run('psql', [
      maintenanceUrl,
      '--no-psqlrc', '-v', 'ON_ERROR_STOP=1',
      // FORCE ends sessions a killed Hearth may have left open.
      '-c', `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`,
      '-c', `CREATE DATABASE "${database}"`,
    ]);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`could not recreate PostgreSQL database ${database} through ${maintenanceUrl}: ${detail}`, { cause: error });
  }
  return `${urlPrefix}/${database}`;
}
