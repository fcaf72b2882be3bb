// When an account of another server was last active, for the impact report
// members see before a server is cut off ("last seen 2026-12-04 09:15 UTC").
// Every event from another server is such a sign, and a chatty neighbor sends
// many a minute: each written as it came would be a synced commit per event,
// on a small board's SD card. The report shows the minute, so a sign less than
// a minute after the one last written for that account is not written: what
// the report shows is then a minute early at most.
import type { RoomMembersStore } from '../store/room-members-store.ts';

/** The report's precision: a later sign within it is not written. */
export const ACTIVITY_PRECISION_MS = 60_000;
/** Accounts remembered before the memory starts afresh: a bound for a server that sees many. */
export const REMEMBERED_ACCOUNTS = 10_000;

export class RemoteActivity {
  private readonly store: Pick<RoomMembersStore, 'sawRemoteActivity'>;
  /** The latest sign written for each account, as far as this process knows. */
  private readonly written = new Map<string, number>();

  constructor(store: Pick<RoomMembersStore, 'sawRemoteActivity'>) {
    this.store = store;
  }

  async saw(userId: string, at: number): Promise<void> {
    const last = this.written.get(userId);
    if (last !== undefined && at < last + ACTIVITY_PRECISION_MS) return;
    await this.store.sawRemoteActivity(userId, at);
    if (this.written.size >= REMEMBERED_ACCOUNTS && last === undefined) this.written.clear();
    this.written.set(userId, at);
  }
}
