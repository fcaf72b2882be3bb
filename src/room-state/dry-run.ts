// A writer of room state that writes nothing: it decides exactly as the real
// one (the same comparison) and records what it would have written. Lets the
// code that decides state be run whole, in process, against a described room,
// and shows an operator's tools what a pass would change before it does.
import type { StateEvent } from '../matrix/client.ts';
import { DiffingStateWriter, type StateChange, type StateReads } from './writer.ts';

/** A write the dry run would have made. */
export interface WouldWrite extends StateChange {
  roomId: string;
}

/** Reads from rooms described as lists of state events; a room not described has no state. */
export function describedRooms(rooms: Readonly<Record<string, readonly StateEvent[]>>): StateReads {
  return {
    getStateEvent: (roomId, type, stateKey) =>
      Promise.resolve(rooms[roomId]?.find((e) => e.type === type && e.state_key === stateKey)?.content ?? null),
  };
}

export class DryRunStateWriter extends DiffingStateWriter {
  /** Every write it would have made, in order. The rooms' state stays as it was. */
  readonly writes: WouldWrite[] = [];

  constructor(reads: StateReads = describedRooms({})) {
    super(reads);
  }

  protected write(roomId: string, change: StateChange): Promise<void> {
    this.writes.push({ roomId, ...change });
    return Promise.resolve();
  }
}
