// Routes each received event to the domains that registered for its type. The
// router knows nothing about what domains do; each domain owns its handlers.
import type { MatrixEvent } from '../event.ts';

export interface Delivery {
  /** 1 on the first attempt at this event, 2 on the first retry, and so on. */
  attempt: number;
}

export type EventHandler = (event: MatrixEvent, delivery: Delivery) => Promise<void>;

/**
 * Thrown by a handler that must act on an event later rather than now; the
 * worker schedules another attempt without reporting a failure.
 */
export class DeferEvent extends Error {
  readonly delayMs: number;
  constructor(delayMs: number, reason: string) {
    super(reason);
    this.name = 'DeferEvent';
    this.delayMs = delayMs;
  }
}

export class EventRouter {
  private readonly handlers = new Map<string, EventHandler[]>();
  private readonly anyHandlers: EventHandler[] = [];

  /** A handler for every event, whatever its type (before the type's own handlers). */
  onAny(handler: EventHandler): void {
    this.anyHandlers.push(handler);
  }

  on(type: string, handler: EventHandler): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler);
    this.handlers.set(type, list);
  }

  async dispatch(event: MatrixEvent, delivery: Delivery = { attempt: 1 }): Promise<void> {
    for (const handler of [...this.anyHandlers, ...(this.handlers.get(event.type) ?? [])]) await handler(event, delivery);
  }
}
