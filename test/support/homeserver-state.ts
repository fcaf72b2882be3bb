// What a testbed homeserver's own database says of its Hearth, read as an
// operator could with sqlite3 beside the running homeserver.
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { server } from './member.ts';

/**
 * Whether the homeserver counts the server's Hearth as down. It then stores
 * every transaction for it, and sends each again later with its events only.
 */
export function homeserverHoldsHearthDown(serverName: string): boolean {
  const db = new DatabaseSync(join(server(serverName).synapse_dir, 'homeserver.db'), { readOnly: true });
  try {
    return db.prepare('select state from application_services_state').all().some((row) => row.state === 'down');
  } finally {
    db.close();
  }
}
