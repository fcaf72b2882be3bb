// Deciding, not doing: the state each managed room must have, computed from
// its tier and the community's facts. Pure functions; the reconciler applies
// the difference.
import { globMatches } from '../federation/server-names.ts';
import type { CommunityFacts } from './facts.ts';
import type { ManagedRoom, Tier } from './tier.ts';

export type StateKey = `${string}|${string}`;
export type Content = Record<string, unknown>;

/** The tier-defining state types: only Hearth's bot may change them. */
export const TIER_DEFINING_TYPES = [
  'm.room.join_rules',
  'm.room.history_visibility',
  'm.room.guest_access',
  'm.room.server_acl',
  'm.room.encryption',
  'm.room.power_levels',
] as const;

/**
 * Higher than any user can hold: in room version 12 only the creator (the bot)
 * has more, so nobody else can change what these guard, even by raising
 * someone's power level.
 */
export const BOT_ONLY_LEVEL = 150;
export const MODERATOR_LEVEL = 50;

/** The one algorithm Matrix clients encrypt rooms with today. */
export const MEGOLM = 'm.megolm.v1.aes-sha2';
export const ROOM_ENCRYPTION: Content = { algorithm: MEGOLM };

/**
 * Encryption can be turned on and never off: a room whose state says it is
 * encrypted is treated as encrypted, whatever was recorded before.
 */
export function withEncryptionFromState(room: ManagedRoom, encryptionState: Content | null | undefined): ManagedRoom {
  return room.encrypted || typeof encryptionState?.algorithm === 'string' ? { ...room, encrypted: true } : room;
}

export function stateKey(type: string, key = ''): StateKey {
  return `${type}|${key}`;
}

function joinRule(room: ManagedRoom, facts: CommunityFacts): Content {
  if (room.role === 'admin') return { join_rule: 'invite' };
  // The space itself never federates, so "public" admits any local user and nobody else.
  if (room.role === 'space' || room.tier !== 'local') return { join_rule: 'public' };
  if (facts.spaceId === null) return { join_rule: 'invite' };
  return { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: facts.spaceId }] };
}

function historyVisibility(tier: Tier): Content {
  return { history_visibility: tier === 'public' ? 'world_readable' : 'shared' };
}

function guestAccess(tier: Tier): Content {
  return { guest_access: tier === 'public' ? 'can_join' : 'forbidden' };
}

/**
 * The ACL for a federating room. It always allows this server, never IP
 * literals, and a deny entry can never shut this server out of its own room.
 */
export function serverAcl(tier: Tier, facts: CommunityFacts): Content | null {
  if (tier === 'local') return null;
  const deny = [...new Set(facts.defederated)].filter((server) => !globMatches(server, facts.serverName)).sort();
  const allow = tier === 'public' ? ['*'] : [...new Set([facts.serverName, ...facts.neighbors])].sort();
  return { allow, deny, allow_ip_literals: false };
}


/** The power-level entries Hearth insists on; other entries (moderators added by hand) are left alone. */
export function enforcedPowerLevels(room: ManagedRoom, facts: CommunityFacts): { events: Record<string, number>; users: Record<string, number> } {
  const events = Object.fromEntries(TIER_DEFINING_TYPES.map((type) => [type, BOT_ONLY_LEVEL]));
  events['m.room.tombstone'] = BOT_ONLY_LEVEL;
  events['m.space.child'] = room.role === 'space' ? BOT_ONLY_LEVEL : MODERATOR_LEVEL;
  // The community's ban list speaks for the community: only the bot publishes rules there.
  if (room.role === 'policy_list') events['m.policy.rule.server'] = BOT_ONLY_LEVEL;
  const users = Object.fromEntries(facts.admins.map((admin) => [admin, MODERATOR_LEVEL]));
  return { events, users };
}

export function defaultPowerLevels(room: ManagedRoom, facts: CommunityFacts, moderators: readonly string[] = []): Content {
  const enforced = enforcedPowerLevels(room, facts);
  return {
    users: { ...enforced.users, ...Object.fromEntries(moderators.map((m) => [m, MODERATOR_LEVEL])) },
    users_default: 0,
    events: enforced.events,
    events_default: 0,
    state_default: MODERATOR_LEVEL,
    ban: MODERATOR_LEVEL,
    kick: MODERATOR_LEVEL,
    redact: MODERATOR_LEVEL,
    invite: room.role === 'admin' ? MODERATOR_LEVEL : 0,
  };
}

/** The desired content of every tier-defining state event except power levels. */
export function desiredState(room: ManagedRoom, facts: CommunityFacts): Map<StateKey, Content> {
  const desired = new Map<StateKey, Content>([
    [stateKey('m.room.join_rules'), joinRule(room, facts)],
    [stateKey('m.room.history_visibility'), historyVisibility(room.tier)],
    [stateKey('m.room.guest_access'), guestAccess(room.tier)],
  ]);
  const acl = serverAcl(room.tier, facts);
  if (acl) desired.set(stateKey('m.room.server_acl'), acl);
  if (room.encrypted) desired.set(stateKey('m.room.encryption'), ROOM_ENCRYPTION);
  return desired;
}


/** The space lists every other managed room as a child, so members find them. */
export function desiredSpaceChildren(childRoomIds: readonly string[], serverName: string): Map<StateKey, Content> {
  return new Map(childRoomIds.map((roomId) => [stateKey('m.space.child', roomId), { via: [serverName] }]));
}

/** Whether a user of `server` may be invited to a room of this tier at all. */
export function mayBeInvited(tier: Tier, server: string, facts: CommunityFacts): boolean {
  if (server === facts.serverName) return true;
  if (tier === 'local') return false;
  if (facts.defederated.some((glob) => globMatches(glob, server))) return false;
  return tier === 'public' || facts.neighbors.includes(server);
}
