// Deciding, not doing: who may stay joined to (or invited into) a managed
// room. The homeserver keeps sending a room's events to every server with a
// joined user, whatever the ACL says, so an ACL alone never stops delivery:
// whoever this policy does not allow is removed by the reconciler.
import { globMatches } from '../matrix/server-globs.ts';
import { isCommunityMember } from '../community/members.ts';
import { serverNameOf } from '../matrix/event.ts';
import type { CommunityFacts } from './facts.ts';
import type { ManagedRoom } from './tier.ts';

/** What the policy reads besides the room: the community's facts and who its people are. */
export interface MembershipFacts {
  community: CommunityFacts;
  /** People of this server kicked or banned from the space by someone else: no longer members. */
  removed: ReadonlySet<string>;
  isOwnBot: (userId: string) => boolean;
}

/**
 * The sentences Hearth writes into a kick. They never name a room, a topic
 * or a post: the kicked user's server stores the reason, and that server is
 * by definition outside the room's audience.
 */
export const REMOVAL_REASON = 'Hearth removed you: this room\'s audience does not include you.';
export const WITHDRAWAL_REASON = 'Hearth withdrew this invitation: this room\'s audience does not include you.';

/** A person of this community now: an account here, not a bot, not a guest, and not removed. */
export function isMemberNow(userId: string, facts: MembershipFacts): boolean {
  return isCommunityMember(userId, facts.community.serverName, facts.isOwnBot) && !facts.removed.has(userId);
}

function isDefederated(server: string, facts: MembershipFacts): boolean {
  return facts.community.defederated.some((glob) => globMatches(glob, server));
}

/**
 * Who a room of this tier lets stay:
 * - local: the community's members and Hearth's own bots (and the admins the
 *   operator configured, whom the admin room must always keep);
 * - neighborhood: those, and users of the current neighbors not cut off;
 * - public: anyone whose server this community has not cut off.
 */
export function mayStay(room: Pick<ManagedRoom, 'tier'>, userId: string, facts: MembershipFacts): boolean {
  const server = serverNameOf(userId);
  const ours = isMemberNow(userId, facts) || facts.isOwnBot(userId) || facts.community.admins.includes(userId);
  switch (room.tier) {
    case 'local':
      return ours;
    case 'neighborhood':
      return ours || (server !== facts.community.serverName && facts.community.neighbors.includes(server) && !isDefederated(server, facts));
    case 'public':
      return ours || !isDefederated(server, facts);
  }
}

/** The users among those joined or invited that the room must lose, in a stable order. */
export function usersToRemove(room: Pick<ManagedRoom, 'tier'>, present: readonly string[], facts: MembershipFacts): string[] {
  return [...new Set(present)].filter((userId) => !mayStay(room, userId, facts)).sort();
}
