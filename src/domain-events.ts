// What one domain announces and others react to, declared in one place: the
// announcing domain needs no reference to whoever listens, and a reader sees
// every link between domains here rather than in closures bound late.

/** Each event a domain may announce, with what it carries. */
export interface DomainEvents {
  /**
   * This server's defederation list changed (a decision, a reversal, a
   * compaction): announced by the federation domain once the change is
   * recorded; the neighborhood re-derives its councils, since a server cut off
   * here is no neighbor any more.
   */
  'defederation-changed': Record<string, never>;
}

export type DomainEventName = keyof DomainEvents;
type Listener<K extends DomainEventName> = (payload: DomainEvents[K]) => Promise<void>;

export class DomainEventBus {
  // One list per declared event, so an event nobody declared cannot be listened to.
  private readonly listeners: { [K in DomainEventName]: Listener<K>[] } = { 'defederation-changed': [] };

  on<K extends DomainEventName>(name: K, listener: Listener<K>): void {
    this.listeners[name].push(listener);
  }

  /**
   * Runs every listener in the order they subscribed, each after the one
   * before it; a listener that fails rejects the announcement, so the work
   * that announced it fails (and is retried) as if it had done the reaction
   * itself.
   */
  async emit<K extends DomainEventName>(name: K, payload: DomainEvents[K]): Promise<void> {
    for (const listener of this.listeners[name]) await listener(payload);
  }
}
