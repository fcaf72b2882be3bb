// The council room itself: how it is created, its power levels, and how a
// Hearth recognises an invitation to one. The room carries only the Hearth
// bots' statements; members never post there.
import type { CreateRoomRequest } from '../matrix/client.ts';
import { CREATION_KEY_FIELD } from '../matrix/room-lookup.ts';
import { canonical } from '../room-state/canonical.ts';
import type { DesiredState } from '../room-state/writer.ts';
import { botUserId, COUNCIL_ROOM_TYPE, isServerName, MEMBERSHIP_TYPE, NO_VOTES, VOTES_TYPE } from './events.ts';

/**
 * Room version 12: its creator has a power nobody can take away, and like
 * every version it rejects a state key starting with `@` from anyone but that
 * user, which is what keeps each server's statements its own.
 */
export const COUNCIL_ROOM_VERSION = '12';

/** Enough to set the council room's ACL; kicking, banning, redacting and power levels stay with the creator. */
export const COUNCIL_MEMBER_LEVEL = 50;
const CREATOR_ONLY = 100;

/**
 * Power levels: every bot in the room may write its own two statements (level
 * 0 is safe because Matrix lets nobody else write a state key that is their
 * user ID), members' bots may keep the room's ACL, and nobody but the creator
 * can redact another server's statements or remove its bot.
 */
export function councilPowerLevels(members: readonly string[], founder: string | null, botLocalpart: string): { users: Record<string, number> } & Record<string, unknown> {
  // A creator may not be listed in room version 12: its power is implicit.
  const users = Object.fromEntries(members.filter((m) => m !== founder).sort().map((m) => [botUserId(botLocalpart, m), COUNCIL_MEMBER_LEVEL]));
  return {
    users,
    users_default: 0,
    events: {
      [MEMBERSHIP_TYPE]: 0,
      [VOTES_TYPE]: 0,
      'm.room.server_acl': COUNCIL_MEMBER_LEVEL,
      'm.room.power_levels': CREATOR_ONLY,
      'm.room.tombstone': CREATOR_ONLY,
    },
    events_default: 0,
    state_default: CREATOR_ONLY,
    invite: 0,
    kick: CREATOR_ONLY,
    ban: CREATOR_ONLY,
    redact: CREATOR_ONLY,
  };
}

/** The createRoom request `!neighborhood create` sends: the founder is in from the first event, at round 0. */
export function councilCreationRequest(self: string, botLocalpart: string, creationKey: string): CreateRoomRequest {
  const bot = botUserId(botLocalpart, self);
  return {
    name: 'Neighborhood council',
    topic: 'Where the Hearth bots of a neighborhood record who is in it. Nothing else is said here.',
    preset: 'private_chat',
    visibility: 'private',
    room_version: COUNCIL_ROOM_VERSION,
    creation_content: { type: COUNCIL_ROOM_TYPE, [CREATION_KEY_FIELD]: creationKey },
    initial_state: [
      { type: MEMBERSHIP_TYPE, state_key: bot, content: { membership: 'join', round: 0, after: [] } },
      { type: VOTES_TYPE, state_key: bot, content: { ...NO_VOTES } },
      { type: 'm.room.server_acl', state_key: '', content: { allow: [self], deny: [], allow_ip_literals: false } },
      { type: 'm.room.guest_access', state_key: '', content: { guest_access: 'forbidden' } },
      { type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'shared' } },
    ],
    power_level_content_override: councilPowerLevels([self], self, botLocalpart),
  };
}

/**
 * The power levels the founder's Hearth keeps in the council, given what the
 * room has: null while the members' bots hold their level already, so the
 * rest of the room's power levels is never touched for its own sake.
 */
export function councilPowerLevelsState(current: Record<string, unknown> | null, members: readonly string[], founder: string, botLocalpart: string): DesiredState | null {
  const wanted = councilPowerLevels(members, founder, botLocalpart);
  if (canonical(current?.users ?? {}) === canonical(wanted.users)) return null;
  return { type: 'm.room.power_levels', stateKey: '', content: { ...current, ...wanted } };
}

export interface InviteLike {
  sender: string;
  state_key?: string;
  content: Record<string, unknown>;
  unsigned?: Record<string, unknown>;
}

/**
 * The server inviting this server's bot to a council room, or null when the
 * invitation is anything else. It must come from another server's Hearth bot
 * and carry, in the room state shown with the invitation, a council's
 * m.room.create. Joining such a room commits to nothing: only
 * `!neighborhood accept` does.
 */
export function councilInviter(event: InviteLike, self: string, botLocalpart: string): string | null {
  if (event.content.membership !== 'invite' || event.state_key !== botUserId(botLocalpart, self)) return null;
  const colon = event.sender.indexOf(':');
  const server = event.sender.slice(colon + 1);
  if (event.sender.slice(1, colon) !== botLocalpart || server === self || !isServerName(server)) return null;
  const stripped = event.unsigned?.invite_room_state;
  if (!Array.isArray(stripped)) return null;
  const isCouncil = (stripped as unknown[]).some((e) => {
    if (typeof e !== 'object' || e === null) return false;
    const { type, content } = e as { type?: unknown; content?: unknown };
    return type === 'm.room.create' && typeof content === 'object' && content !== null && (content as Record<string, unknown>).type === COUNCIL_ROOM_TYPE;
  });
  return isCouncil ? server : null;
}
