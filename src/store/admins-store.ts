// The admins added or removed from chat (`!admin add`, `!admin remove`). The
// config's community.admins is the starting list; what is recorded here
// outlasts it, so handing the community over does not depend on editing a file.
import type { Database } from './database.ts';

export type AdminChange = 'added' | 'removed';

export interface AdminsStore {
  /** Every recorded change, by user. */
  changes(): Promise<Map<string, AdminChange>>;
  record(userId: string, change: AdminChange, by: string, now: number): Promise<void>;
}

interface Row {
  user_id: string;
  status: AdminChange;
  changed_by: string;
  changed_at: number | string;
}

export function createAdminsStore(db: Database): AdminsStore {
  const admins = () => db<Row>('community_admins');
  return {
    async changes() {
      return new Map((await admins().select('user_id', 'status')).map((row) => [row.user_id, row.status]));
    },
    async record(userId, change, by, now) {
      await admins().insert({ user_id: userId, status: change, changed_by: by, changed_at: now })
        .onConflict('user_id').merge({ status: change, changed_by: by, changed_at: now });
    },
  };
}
