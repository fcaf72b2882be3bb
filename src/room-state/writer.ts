// The one writer of room state. Every domain decides the state it wants with
// pure functions (the tiers from a room's tier, the neighborhood from its
// councils, the federation domain from its decisions) and hands that desired
// state here; the writer compares it with what the room has and writes only
// the difference. No other code PUTs room state: a state write that skips the
// comparison, or a second place that writes, is how two domains end up
// undoing each other.
import type { HomeserverClient, StateEvent } from '../matrix/client.ts';
import { canonical } from './canonical.ts';

export type Content = Record<string, unknown>;

/** One state event as a room should have it. */
export interface DesiredState {
  type: string;
  stateKey: string;
  content: Content;
}

/** A state event the room lacked (or had otherwise), as written. */
export interface StateChange extends DesiredState {
  /** What the room had instead; null when the event was missing. */
  previous: Content | null;
  /** Who sent the state being replaced, for reports; null when missing or not known. */
  previousSender: string | null;
}

/** A room's state as the caller last read it; `sender` is left out when only the content was read. */
export type KnownState = readonly (Pick<StateEvent, 'type' | 'state_key' | 'content'> & { sender?: string })[];

/** The reads the writer makes for a caller that knows nothing of the room's state. */
export type StateReads = Pick<HomeserverClient, 'getStateEvent'>;

/**
 * The field of the second copy of each ACL the writer sends (see
 * `HomeserverStateWriter`); it names the first copy and means nothing else,
 * so comparisons leave it out.
 */
export const ACL_SETTLE_FIELD = 'org.hearth.settles';

function comparable(content: Content): string {
  if (!(ACL_SETTLE_FIELD in content)) return canonical(content);
  return canonical(Object.fromEntries(Object.entries(content).filter(([key]) => key !== ACL_SETTLE_FIELD)));
}

/**
 * Pure: the desired events that `actual` does not already hold with the same
 * content (compared canonically), in the order they were desired.
 */
export function stateDifference(desired: readonly DesiredState[], actual: KnownState): StateChange[] {
  const changes: StateChange[] = [];
  for (const want of desired) {
    const current = actual.find((e) => e.type === want.type && e.state_key === want.stateKey);
    if (current && comparable(current.content) === comparable(want.content)) continue;
    changes.push({ ...want, previous: current?.content ?? null, previousSender: current?.sender ?? null });
  }
  return changes;
}

export interface StateWriter {
  /**
   * Brings `roomId` to the desired state: writes, in order, each desired event
   * the room does not already have, and resolves with those writes. `actual`
   * is the room's state as the caller just read it; without it, each desired
   * event is read first. The first write that fails rejects, leaving the rest
   * unwritten: the next pass finds them still missing.
   */
  apply(roomId: string, desired: readonly DesiredState[], actual?: KnownState): Promise<StateChange[]>;
}

/** The comparison both writers share, so a dry run decides exactly as the real one. */
export abstract class DiffingStateWriter implements StateWriter {
  private readonly reads: StateReads;

  constructor(reads: StateReads) {
    this.reads = reads;
  }

  async apply(roomId: string, desired: readonly DesiredState[], actual?: KnownState): Promise<StateChange[]> {
    const changes = stateDifference(desired, actual ?? (await this.read(roomId, desired)));
    for (const change of changes) await this.write(roomId, change);
    return changes;
  }

  private async read(roomId: string, desired: readonly DesiredState[]): Promise<KnownState> {
    const known = [];
    for (const { type, stateKey } of desired) {
      const content = await this.reads.getStateEvent(roomId, type, stateKey);
      if (content !== null) known.push({ type, state_key: stateKey, content });
    }
    return known;
  }

  protected abstract write(roomId: string, change: StateChange): Promise<void>;
}

/** The PUT itself: the only request in Hearth that writes room state. */
async function sendStateEvent(client: Pick<HomeserverClient, 'request'>, roomId: string, event: DesiredState): Promise<string> {
  const path = `/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(event.type)}/${encodeURIComponent(event.stateKey)}`;
  return (await client.request<{ event_id: string }>('PUT', path, event.content)).event_id;
}

/** Writes as the client's user (Hearth's main bot): its power in the room is what lets the writes through. */
export class HomeserverStateWriter extends DiffingStateWriter {
  private readonly client: Pick<HomeserverClient, 'request'>;

  constructor(client: Pick<HomeserverClient, 'request' | 'getStateEvent'>) {
    super(client);
    this.client = client;
  }

  protected async write(roomId: string, change: StateChange): Promise<void> {
    const eventId = await sendStateEvent(this.client, roomId, change);
    if (change.type !== 'm.room.server_acl') return;
    // Synapse caches each room's ACL and clears that cache when it stores an
    // ACL event, but a federation request checked in the same moment can put
    // the old ACL back into the cache, where it stays until the next ACL event:
    // a newly admitted neighbor was refused for minutes, and a server just cut
    // off could have been let in. A second copy, sent once the first is stored,
    // clears the cache again; whatever refills it then reads an ACL that says
    // the same.
    await sendStateEvent(this.client, roomId, { ...change, content: { ...change.content, [ACL_SETTLE_FIELD]: eventId } });
  }
}
