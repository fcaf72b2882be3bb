// What the members' area shows, read from the same stores as !who and !room
// list: who is here, and the rooms by tier. Pure where it can be, so the
// tests can describe a community and check what a member would see.
import type { ManagedRoomRow } from '../../store/managed-rooms-store.ts';
import type { MemberRow } from '../../store/members-store.ts';
import type { MemberProfile } from '../../store/onboarding-store.ts';
import { audienceOf, TIERS, type RoomRole, type Tier } from '../../tiers/tier.ts';
import { byCodePoint } from '../../text/order.ts';

export interface WhoEntry {
  userId: string;
  joinedAt: number;
  invitedBy: string | null;
  introduction: string | null;
}

export interface Community {
  rows: readonly MemberRow[];
  profiles: ReadonlyMap<string, MemberProfile>;
  removed: ReadonlySet<string>;
  isMember: (userId: string) => boolean;
}

/** The members present, as !who lists them: not left, not removed, people of this server; the newest last. */
export function whoIsHere(c: Community): WhoEntry[] {
  return c.rows
    .filter((m) => m.leftAt === null && !c.removed.has(m.userId) && c.isMember(m.userId))
    .map((m) => {
      const profile = c.profiles.get(m.userId);
      return {
        userId: m.userId,
        joinedAt: profile?.signedUpAt ?? m.firstSeenAt,
        invitedBy: profile?.invitedBy ?? null,
        introduction: profile?.introduction ?? null,
      };
    })
    .sort((a, b) => a.joinedAt - b.joinedAt || byCodePoint(a.userId, b.userId));
}

export interface ListedRoom {
  name: string;
  roomId: string;
  link: string;
  encrypted: boolean;
  role: RoomRole;
}

export interface TierGroup {
  tier: Tier;
  sentence: string;
  rooms: ListedRoom[];
}

/** Rooms no member joins from a list: the admins' room and the ban list Hearth publishes. */
const NOT_LISTED: ReadonlySet<RoomRole> = new Set(['admin', 'policy_list']);
/** The community's own rooms first, in the order a newcomer meets them; topic rooms after, oldest first. */
const ROLE_ORDER: readonly RoomRole[] = ['space', 'local_timeline', 'neighborhood_square', 'public_square', 'topic'];

export function matrixToLink(roomId: string, serverName: string): string {
  return `https://matrix.to/#/${encodeURIComponent(roomId)}?via=${encodeURIComponent(serverName)}`;
}

/** Every room a member of this server may join, grouped by tier with the tier's sentence (a member's tier admits all three). */
export function roomsByTier(rows: readonly ManagedRoomRow[], serverName: string): TierGroup[] {
  const listed = rows
    .filter((r): r is ManagedRoomRow & { roomId: string } => r.roomId !== null && !NOT_LISTED.has(r.role))
    .sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || a.createdAt - b.createdAt);
  return TIERS.map((tier) => ({
    tier,
    sentence: audienceOf(tier, serverName),
    rooms: listed.filter((r) => r.tier === tier).map((r) => ({ name: r.name, roomId: r.roomId, link: matrixToLink(r.roomId, serverName), encrypted: r.encrypted, role: r.role })),
  }));
}

export function day(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}
