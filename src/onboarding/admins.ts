// The admins in effect: the config's community.admins, with the changes that
// `!admin add` and `!admin remove` recorded applied over it. The list is kept
// in place in the config object, which every part of Hearth reads its admins
// from (the command table's permission check, the tiers' power levels, the
// admin room's invitations), so a change from chat takes effect everywhere at
// once and outlasts the file. Former admins are remembered, so the
// reconciler can take their moderator power back.
import type { AdminsStore } from '../store/admins-store.ts';

export class AdminList {
  private readonly live: string[];
  private readonly configured: readonly string[];
  private readonly store: AdminsStore;
  private formerAdmins: string[] = [];
  private readonly now: () => number;

  /** `live`: the config's admins array, which this keeps up to date in place. */
  constructor(live: string[], store: AdminsStore, now: () => number = Date.now) {
    this.live = live;
    this.configured = [...live];
    this.store = store;
    this.now = now;
  }

  /** Applies the recorded changes over the config's list (at start-up, before anything reads it). */
  async load(): Promise<void> {
    const changes = await this.store.changes();
    const admins = new Set(this.configured);
    for (const [userId, change] of changes) {
      if (change === 'added') admins.add(userId);
      else admins.delete(userId);
    }
    this.replace([...admins].sort());
    this.formerAdmins = [...changes].filter(([userId, change]) => change === 'removed' && !admins.has(userId)).map(([userId]) => userId).sort();
  }

  current(): readonly string[] {
    return this.live;
  }

  /** Admins removed from chat who are not admins again: their moderator power is taken back. */
  former(): readonly string[] {
    return this.formerAdmins;
  }

  isAdmin(userId: string): boolean {
    return this.live.includes(userId);
  }

  /** Makes someone an admin; false when they were one already. */
  async add(userId: string, by: string): Promise<boolean> {
    if (this.isAdmin(userId)) return false;
    await this.store.record(userId, 'added', by, this.now());
    this.replace([...this.live, userId].sort());
    this.formerAdmins = this.formerAdmins.filter((id) => id !== userId);
    return true;
  }

  /** Removes an admin; refuses the last one, so the community always has someone to run it. */
  async remove(userId: string, by: string): Promise<'removed' | 'not an admin' | 'last admin'> {
    if (!this.isAdmin(userId)) return 'not an admin';
    if (this.live.length === 1) return 'last admin';
    await this.store.record(userId, 'removed', by, this.now());
    this.replace(this.live.filter((id) => id !== userId));
    this.formerAdmins = [...new Set([...this.formerAdmins, userId])].sort();
    return 'removed';
  }

  private replace(admins: readonly string[]): void {
    this.live.splice(0, this.live.length, ...admins);
  }
}
