// Deciding, not doing: the state each managed room must have, computed from
// its tier and the community's facts. Pure functions; the reconciler applies
// the difference.
import { globMatches } from '../matrix/server-globs.ts';
import { ROOM_ENCRYPTION } from '../matrix/encryption.ts';
import { strings } from '../matrix/event.ts';
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
/**
 * What a neighbor's Hearth bot holds in our neighborhood rooms: enough to
 * invite its own members, which nobody else there may do. Above the admins,
 * so that no invitation from a client sends a neighborhood room's name and
 * topic (its stripped state) to a server outside the neighborhood.
 */
export const NEIGHBOR_BOT_LEVEL = 75;
export const MODERATOR_LEVEL = 50;

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

/**
 * Join rules decide who can read a room's summary as well as who can join:
 * Synapse summarises `public` and `knock` rooms to anyone, ignoring
 * m.federate and ACLs, so only public rooms are public. The space admits by
 * invitation (Hearth invites each member); local and neighborhood rooms admit
 * the space's members, and neighborhood rooms also whoever a neighbor's
 * Hearth invites.
 */
function joinRule(room: ManagedRoom, facts: CommunityFacts): Content {
  if (room.role === 'space' || room.role === 'admin') return { join_rule: 'invite' };
  if (room.tier === 'public') return { join_rule: 'public' };
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

/**
 * Whether an ACL admits everyone `before` did and more or the same, and cuts
 * off no server `before` did not: a change that takes nobody's access away.
 */
export function aclOnlyWidens(before: Content, after: Content): boolean {
  const allowedAfter = new Set(strings(after.allow));
  const deniedBefore = new Set(strings(before.deny));
  return strings(before.allow).every((server) => allowedAfter.has(server))
    && strings(after.deny).every((server) => deniedBefore.has(server))
    && (before.allow_ip_literals !== true || after.allow_ip_literals === true);
}

/** The bots of the current neighbors, who may invite their own members to a neighborhood room. */
export function neighborBots(room: Pick<ManagedRoom, 'tier'>, facts: CommunityFacts): string[] {
  if (room.tier !== 'neighborhood' || !facts.botLocalpart) return [];
  return allowedNeighbors(facts).map((server) => `@${facts.botLocalpart}:${server}`);
}

/** The neighbors whose users a neighborhood room admits: never one this community cut off. */
export function allowedNeighbors(facts: CommunityFacts): string[] {
  return [...new Set(facts.neighbors)].filter((server) => server !== facts.serverName && !facts.defederated.some((glob) => globMatches(glob, server))).sort();
}

/**
 * Who may invite: in every room but a public one only the bots. An invitation
 * hands the invitee the room's name and topic, and Synapse lets anyone who
 * was once invited read a `shared` room's history up to the moment they left,
 * even an invitation withdrawn at once; so Hearth invites only whom the tier
 * admits (members, through `!room invite`; a neighbor's Hearth its own).
 */
function inviteLevel(room: ManagedRoom): number {
  return room.tier === 'public' ? 0 : NEIGHBOR_BOT_LEVEL;
}

/** The power-level entries Hearth insists on; other entries (moderators added by hand) are left alone. */
export function enforcedPowerLevels(room: ManagedRoom, facts: CommunityFacts): { events: Record<string, number>; users: Record<string, number>; invite: number } {
  const events = Object.fromEntries(TIER_DEFINING_TYPES.map((type) => [type, BOT_ONLY_LEVEL]));
  events['m.room.tombstone'] = BOT_ONLY_LEVEL;
  events['m.space.child'] = room.role === 'space' ? BOT_ONLY_LEVEL : MODERATOR_LEVEL;
  // The community's ban list speaks for the community: only the bot publishes rules there.
  if (room.role === 'policy_list') events['m.policy.rule.server'] = BOT_ONLY_LEVEL;
  // Synapse lets whoever may set the canonical alias list a room in the public directory.
  if (room.tier !== 'public') events['m.room.canonical_alias'] = BOT_ONLY_LEVEL;
  const users = Object.fromEntries([
    ...facts.admins.map((admin) => [admin, MODERATOR_LEVEL] as const),
    ...neighborBots(room, facts).map((bot) => [bot, NEIGHBOR_BOT_LEVEL] as const),
  ]);
  return { events, users, invite: inviteLevel(room) };
}

/**
 * Power the room must no longer give: a Hearth bot of a server that is no
 * longer a neighbor keeps nothing (its level was only ever ours to give), nor
 * does a former admin keep the moderator level that being an admin gave them.
 */
export function revokedUsers(room: ManagedRoom, facts: CommunityFacts, users: Readonly<Record<string, unknown>>): string[] {
  const former = (facts.formerAdmins ?? []).filter((user) => users[user] === MODERATOR_LEVEL && !facts.admins.includes(user));
  if (!facts.botLocalpart) return former;
  const current = new Set(neighborBots(room, facts));
  const prefix = `@${facts.botLocalpart}:`;
  return [...former, ...Object.keys(users).filter((user) => user.startsWith(prefix) && !user.endsWith(`:${facts.serverName}`) && !current.has(user))];
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
    invite: enforced.invite,
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
  return tier === 'public' || allowedNeighbors(facts).includes(server);
}
