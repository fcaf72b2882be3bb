// When each member last used a client, for the dashboard's members table.
// Only the homeserver knows (Synapse keeps it per device and client address),
// and only its admin API tells, so it needs homeserver.admin_token. Reading it
// can fail; the page then says so, and shows everything else.
import type { Logger } from '../../logging/logger.ts';
import { errorText } from '../../matrix/retry.ts';

export type LastSeen =
  | { kind: 'known'; at: ReadonlyMap<string, number> }
  | { kind: 'no admin token' }
  | { kind: 'unreadable' };

/** Reads when each account last used a client; `read` is null without an admin token. */
export async function readLastSeen(read: (() => Promise<ReadonlyMap<string, number>>) | null, log: Logger): Promise<LastSeen> {
  if (!read) return { kind: 'no admin token' };
  try {
    return { kind: 'known', at: await read() };
  } catch (error) {
    log.warn('could not read when the members last used a client from Synapse\'s admin API', { error: errorText(error) });
    return { kind: 'unreadable' };
  }
}

export function lastSeenTimes(seen: LastSeen): ReadonlyMap<string, number> {
  return seen.kind === 'known' ? seen.at : new Map();
}

/** The sentence under the table when the column is empty for a reason, said once rather than in every row. */
export function lastSeenNote(seen: LastSeen): string | null {
  switch (seen.kind) {
    case 'known': return null;
    case 'no admin token': return 'Last seen needs homeserver.admin_token in Hearth\'s config: Synapse keeps when each account last used a client, and only its admin API tells.';
    case 'unreadable': return 'Last seen could not be read from Synapse\'s admin API just now; Hearth\'s log says why.';
  }
}
