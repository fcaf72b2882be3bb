// The members whose posts stay off the public web pages (`!web off`).
import type { Database } from './database.ts';

export interface WebOptOutsStore {
  /** Every member who opted out. */
  all(): Promise<Set<string>>;
  optOut(userId: string, now: number): Promise<void>;
  optIn(userId: string): Promise<void>;
}

interface Row {
  user_id: string;
  opted_out_at: number | string;
}

export function createWebOptOutsStore(db: Database): WebOptOutsStore {
  const optOuts = () => db<Row>('web_opt_outs');
  return {
    async all() {
      return new Set((await optOuts().select('user_id')).map((row) => row.user_id));
    },
    async optOut(userId, now) {
      // Opting out twice keeps the first date: that is when the posts left the web.
      await optOuts().insert({ user_id: userId, opted_out_at: now }).onConflict('user_id').ignore();
    },
    async optIn(userId) {
      await optOuts().where({ user_id: userId }).delete();
    },
  };
}
