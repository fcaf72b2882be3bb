// Who has been removed from the community, known in memory as well as in the
// database, so that the one question "is this a member?" stays quick and
// synchronous for every caller (the conversation, the Bugle, the audience of
// a room). Every removal and readmission goes through the store this wraps.
import type { MembersStore, RemovedMembersStore } from '../store/members-store.ts';

export type TrackedMembersStore = MembersStore & RemovedMembersStore;

export class Removals {
  private readonly removedUsers = new Set<string>();
  readonly store: TrackedMembersStore;

  constructor(store: TrackedMembersStore) {
    this.store = {
      ...store,
      markRemoved: async (userId, by, now) => {
        await store.markRemoved(userId, by, now);
        this.removedUsers.add(userId);
      },
      clearRemoved: async (userId) => {
        const was = await store.clearRemoved(userId);
        this.removedUsers.delete(userId);
        return was;
      },
    };
  }

  /** Reads the removals recorded before this start. */
  async load(): Promise<void> {
    for (const userId of await this.store.removed()) this.removedUsers.add(userId);
  }

  isRemoved(userId: string): boolean {
    return this.removedUsers.has(userId);
  }
}
