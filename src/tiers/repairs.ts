// A managed room's desired state given what it has, and the difference
// between the two: the state events that would restore it. Pure: the
// reconciler reads the state and hands the desired state to the writer of
// room state, which writes the same difference planRepairs computes.
import type { StateEvent } from '../matrix/client.ts';
import { MEGOLM } from '../matrix/encryption.ts';
import { canonical } from '../room-state/canonical.ts';
import { stateDifference, type DesiredState, type StateChange } from '../room-state/writer.ts';
import type { CommunityFacts } from './facts.ts';
import { desiredSpaceChildren, desiredState, enforcedPowerLevels, revokedUsers, stateKey, TIER_DEFINING_TYPES, type Content, type StateKey } from './policy.ts';
import type { ManagedRoom } from './tier.ts';

/** One state event the reconciler restored, with what the room had instead. */
export type Repair = StateChange;

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

/** A power-levels repair, and whether it takes power from anyone (or from anything a level guards). */
interface PowerLevelsRepair {
  repair: Repair;
  onlyGrants: boolean;
}

function powerLevelsRepair(room: ManagedRoom, facts: CommunityFacts, current: StateEvent | undefined): PowerLevelsRepair | null {
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
  const repair: Repair = {
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
  return { repair, onlyGrants: wrongEvents.length === 0 && revoked.size === 0 && !wrongInvite };
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

/**
 * The state the room must have, given the state it has: what the tier wants,
 * where the room's own choices that the tier leaves open (an encryption
 * event's rotation settings, power levels the tier does not enforce) are kept
 * as the room has them.
 */
export function desiredRoomState(
  room: ManagedRoom,
  facts: CommunityFacts,
  actual: readonly StateEvent[],
  childRoomIds: readonly string[] = [],
): DesiredState[] {
  const state = indexState(actual);
  const desired = desiredState(room, facts);
  if (room.role === 'space') for (const [key, content] of desiredSpaceChildren(childRoomIds, facts.serverName)) desired.set(key, content);
  const events = [...desired].map(([key, content]): DesiredState => {
    const current = state.get(key);
    const [type = '', key2 = ''] = key.split('|');
    return { type, stateKey: key2, content: current && satisfies(type, current.content, content) ? current.content : content };
  });
  const powerLevels = powerLevelsRepair(room, facts, state.get(stateKey('m.room.power_levels')));
  if (!powerLevels) return events;
  const { type, stateKey: key, content } = powerLevels.repair;
  // Power levels that take power away go first: they decide who may undo the
  // other repairs. Levels that only grant (a new neighbor's Hearth) protect
  // nothing, so they wait behind the rest: an admitted neighbor's ACL entry is
  // what its members are waiting for.
  return powerLevels.onlyGrants ? [...events, { type, stateKey: key, content }] : [{ type, stateKey: key, content }, ...events];
}

export function planRepairs(
  room: ManagedRoom,
  facts: CommunityFacts,
  actual: readonly StateEvent[],
  childRoomIds: readonly string[] = [],
): Repair[] {
  return stateDifference(desiredRoomState(room, facts, actual, childRoomIds), actual);
}
