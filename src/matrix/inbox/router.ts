// Routes each received event to the domains that registered for its type. The
// router knows nothing about what domains do; each domain owns its handlers.
import type { MatrixEvent } from '../event.ts';

export type EventHandler = (event: MatrixEvent) => Promise<void>;

export class EventRouter {
  private readonly handlers = new Map<string, EventHandler[]>();

  on(type: string, handler: EventHandler): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler);
    this.handlers.set(type, list);
  }

  async dispatch(event: MatrixEvent): Promise<void> {
    for (const handler of this.handlers.get(event.type) ?? []) await handler(event);
  }
}
