// Who can read a room, as a tier: the audience every text the bots post is
// checked against. Deciding is pure; reading a room's state is the caller's.
import { serverNameOf } from '../matrix/event.ts';
import type { StateEvent } from '../matrix/client.ts';
import type { Tier } from './tier.ts';

const WIDTH: Record<Tier, number> = { local: 0, neighborhood: 1, public: 2 };

/** The wider of two tiers: local < neighborhood < public. */
export function wider(a: Tier, b: Tier): Tier {
  return WIDTH[a] >= WIDTH[b] ? a : b;
}

/** The narrower of two tiers: what text naming things of both may reach. */
export function narrower(a: Tier, b: Tier): Tier {
  return WIDTH[a] <= WIDTH[b] ? a : b;
}

/**
 * Whether text that reveals `reveals` (the widest audience it may reach) may
 * be posted where `audience` reads: a local room name never goes where a
 * neighbor or a stranger reads.
 */
export function mayReach(reveals: Tier, audience: Tier): boolean {
  return WIDTH[audience] <= WIDTH[reveals];
}

/** What decides the audience of a room Hearth does not manage, read from its current state. */
export interface RoomFacts {
  /** m.federate of m.room.create: false means no other server ever takes part. */
  federates: boolean;
  joinRule: string | null;
  historyVisibility: string | null;
  guestAccess: string | null;
  /** Joined and invited users: whoever reads the next message. */
  readers: readonly string[];
}

export interface AudienceContext {
  serverName: string;
  /** The current neighbors, not including this server. */
  neighbors: readonly string[];
  /** The one predicate of membership: an account of this community (never a guest, never a bot). */
  isMember: (userId: string) => boolean;
  isOwnBot: (userId: string) => boolean;
}

/**
 * The tier one reader belongs to. An account of this server that is not a
 * member (a guest) counts as the public: anyone can make one.
 */
export function readerTier(userId: string, context: AudienceContext): Tier {
  if (context.isOwnBot(userId) || context.isMember(userId)) return 'local';
  const server = serverNameOf(userId);
  if (server === context.serverName) return 'public';
  return context.neighbors.includes(server) ? 'neighborhood' : 'public';
}

const OPEN_JOIN_RULES: ReadonlySet<string> = new Set(['public', 'knock', 'knock_restricted']);

/**
 * The audience of a room Hearth does not manage: the widest tier among its
 * readers, and public when anyone may come in or read without joining. A
 * room that never federates reaches only this server's accounts, so its
 * open door lets in only guests, and only where the room admits guests.
 */
export function roomAudience(room: RoomFacts, context: AudienceContext): Tier {
  const open = room.joinRule !== null && OPEN_JOIN_RULES.has(room.joinRule);
  const strangersCanRead = room.federates
    ? open || room.historyVisibility === 'world_readable'
    : (open && room.guestAccess === 'can_join') || room.historyVisibility === 'world_readable';
  if (strangersCanRead) return 'public';
  return room.readers.reduce<Tier>((widest, reader) => wider(widest, readerTier(reader, context)), 'local');
}

function contentOf(state: readonly StateEvent[], type: string): Record<string, unknown> | undefined {
  return state.find((event) => event.type === type && event.state_key === '')?.content;
}

function stringField(content: Record<string, unknown> | undefined, field: string): string | null {
  const value = content?.[field];
  return typeof value === 'string' ? value : null;
}

/** The facts of a room, from its full current state (one request). */
export function roomFactsFromState(state: readonly StateEvent[]): RoomFacts {
  return {
    federates: contentOf(state, 'm.room.create')?.['m.federate'] !== false,
    joinRule: stringField(contentOf(state, 'm.room.join_rules'), 'join_rule'),
    historyVisibility: stringField(contentOf(state, 'm.room.history_visibility'), 'history_visibility'),
    guestAccess: stringField(contentOf(state, 'm.room.guest_access'), 'guest_access'),
    readers: state
      .filter((event) => event.type === 'm.room.member' && (event.content.membership === 'join' || event.content.membership === 'invite'))
      .map((event) => event.state_key),
  };
}
