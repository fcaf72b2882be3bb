// The difference between a room's actual state and its tier's desired state,
// as the list of state events that would restore it. Pure: the reconciler
// fetches the state and sends what this returns.
import type { StateEvent } from '../matrix/client.ts';
import type { CommunityFacts } from './facts.ts';
import { desiredSpaceChildren, desiredState, enforcedPowerLevels, MEGOLM, revokedUsers, stateKey, TIER_DEFINING_TYPES, type Content, type StateKey } from './policy.ts';
import type { ManagedRoom } from './tier.ts';

export interface Repair {
  type: string;
  stateKey: string;
  content: Content;
  /** What the room had instead; null when the event was missing. */
  previous: Content | null;
  /** Who sent the state being replaced, for the report. */
  previousSender: string | null;
}

/** JSON with object keys sorted and lists of strings sorted, so order alone is never drift. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return `[${value.every((v) => typeof v === 'string') ? items.sort().join(',') : items.join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Whether a state event already gives the room what the policy wants. Any
 * Megolm encryption event will do: its rotation settings are the room's own.
 */
function satisfies(type: string, actual: Content, desired: Content): boolean {
  if (type === 'm.room.encryption') return actual.algorithm === MEGOLM;
  return canonical(actual) === canonical(desired);
}

function indexState(actual: readonly StateEvent[]): Map<StateKey, StateEvent> {
  return new Map(actual.map((event) => [stateKey(event.type, event.state_key), event]));
}

function powerLevelsRepair(room: ManagedRoom, facts: CommunityFacts, current: StateEvent | undefined): Repair | null {
  const content = current?.content ?? {};
  const events = (content.events ?? {}) as Record<string, number>;
  const users = (content.users ?? {}) as Record<string, number>;
  const enforced = enforcedPowerLevels(room, facts);
  const wrongEvents = Object.entries(enforced.events).filter(([type, level]) => events[type] !== level);
  const tooLowUsers = Object.entries(enforced.users).filter(([user, level]) => (users[user] ?? 0) < level);
  const revoked = new Set(revokedUsers(room, facts, users));
  const wrongInvite = (content.invite ?? 0) !== enforced.invite;
  if (wrongEvents.length === 0 && tooLowUsers.length === 0 && revoked.size === 0 && !wrongInvite) return null;
  const keptUsers = Object.fromEntries(Object.entries(users).filter(([user]) => !revoked.has(user)));
  return {
    type: 'm.room.power_levels',
    stateKey: '',
    content: {
      ...content,
      events: { ...events, ...Object.fromEntries(wrongEvents) },
      users: { ...keptUsers, ...Object.fromEntries(tooLowUsers) },
      invite: enforced.invite,
    },
    previous: current?.content ?? null,
    previousSender: current?.sender ?? null,
  };
}

/**
 * Whether one state event, as it arrived, leaves its room out of line with the
 * tier: a cheap check that spares a full reconciliation for the many events
 * that are exactly what the policy wants (the bot's own writes among them).
 */
export function eventDrifts(room: ManagedRoom, facts: CommunityFacts, event: StateEvent): boolean {
  if (event.type === 'm.room.power_levels') return powerLevelsRepair(room, facts, event) !== null;
  if (event.type === 'm.space.child') return room.role === 'space' && Object.keys(event.content).length === 0;
  const desired = desiredState(room, facts).get(stateKey(event.type, event.state_key));
  // Encryption that the policy did not ask for is kept: it can never be turned off.
  if (desired === undefined) return event.type === 'm.room.encryption' ? false : TIER_TYPES.has(event.type);
  return !satisfies(event.type, event.content, desired);
}

const TIER_TYPES = new Set<string>(TIER_DEFINING_TYPES);

export function planRepairs(
  room: ManagedRoom,
  facts: CommunityFacts,
  actual: readonly StateEvent[],
  childRoomIds: readonly string[] = [],
): Repair[] {
  const state = indexState(actual);
  const desired = desiredState(room, facts);
  if (room.role === 'space') for (const [key, content] of desiredSpaceChildren(childRoomIds, facts.serverName)) desired.set(key, content);
  const repairs: Repair[] = [];
  for (const [key, content] of desired) {
    const current = state.get(key);
    const [type = '', key2 = ''] = key.split('|');
    if (current && satisfies(type, current.content, content)) continue;
    repairs.push({ type, stateKey: key2, content, previous: current?.content ?? null, previousSender: current?.sender ?? null });
  }
  const powerLevels = powerLevelsRepair(room, facts, state.get(stateKey('m.room.power_levels')));
  // Power levels first: they decide who may undo the other repairs.
  return powerLevels ? [powerLevels, ...repairs] : repairs;
}
