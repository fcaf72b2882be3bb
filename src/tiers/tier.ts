// The three posting tiers and the kinds of room Hearth manages. A member must
// always be able to tell who can read a room; these names are that promise.

export const TIERS = ['local', 'neighborhood', 'public'] as const;
export type Tier = (typeof TIERS)[number];

/** What a managed room is for. The space and the admin room are local. */
export type RoomRole = 'space' | 'admin' | 'local_timeline' | 'neighborhood_square' | 'public_square' | 'policy_list' | 'topic';

export interface ManagedRoom {
  roomId: string;
  role: RoomRole;
  tier: Tier;
  name: string;
  /** End-to-end encrypted: the homeserver and its admin see only ciphertext. Never turned off again. */
  encrypted: boolean;
}

export function isTier(value: string): value is Tier {
  return (TIERS as readonly string[]).includes(value);
}

/** Whether the room's events leave this server at all. Fixed at creation by m.federate. */
export function federates(tier: Tier): boolean {
  return tier !== 'local';
}

/**
 * Whether the neighborhood decides who may reach a room of this tier: its ACL
 * allows the neighbors' servers and its members must come from them. A public
 * room admits every server not cut off, whoever the neighbors are, and a local
 * room none.
 */
export function admitsNeighbors(tier: Tier): boolean {
  return tier === 'neighborhood';
}

/**
 * Whether a room of this role and tier may be encrypted. A world-readable room
 * gains nothing from it; the space carries no messages; the ban list must stay
 * readable to the servers and bots that follow it.
 */
export function mayBeEncrypted(role: RoomRole, tier: Tier): boolean {
  return tier !== 'public' && role !== 'space' && role !== 'policy_list';
}

/** One sentence a member reads to know who can read a room. */
export function audienceOf(tier: Tier, serverName: string): string {
  switch (tier) {
    case 'local':
      return `Local only: never leaves ${serverName}. Only members of ${serverName} can join or read it.`;
    case 'neighborhood':
      return `Neighborhood: members of ${serverName} and of the servers in its neighborhood can read it; no other server can.`;
    case 'public':
      return 'Public: anyone can read it, including people without an account, from any server.';
  }
}
