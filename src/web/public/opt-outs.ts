// `!web off` and `!web on`: a member's choice to keep their posts off the
// public web pages and feed. Kept in the database; read from memory, since
// every page asks.
import type { WebOptOutsStore } from '../../store/web-opt-outs-store.ts';

export class WebOptOuts {
  private readonly store: WebOptOutsStore;
  private loaded: Promise<Set<string>> | null = null;

  constructor(store: WebOptOutsStore) {
    this.store = store;
  }

  private all(): Promise<Set<string>> {
    this.loaded ??= this.store.all().catch((error: unknown) => {
      // A failed read must be tried again by the next page, not remembered.
      this.loaded = null;
      throw error;
    });
    return this.loaded;
  }

  /** The members whose posts the pages leave out. */
  async optedOut(): Promise<ReadonlySet<string>> {
    return this.all();
  }

  async isOptedOut(userId: string): Promise<boolean> {
    return (await this.all()).has(userId);
  }

  /** Returns false when the member had already opted out. */
  async off(userId: string, now = Date.now()): Promise<boolean> {
    const optedOut = await this.all();
    if (optedOut.has(userId)) return false;
    await this.store.optOut(userId, now);
    optedOut.add(userId);
    return true;
  }

  /** Returns false when the member's posts were shown already. */
  async on(userId: string): Promise<boolean> {
    const optedOut = await this.all();
    if (!optedOut.has(userId)) return false;
    await this.store.optIn(userId);
    optedOut.delete(userId);
    return true;
  }
}
