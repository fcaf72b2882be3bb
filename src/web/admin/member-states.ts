// Where each member stands, for the dashboard's table: the same states as
// !member list (removed, left, in the community, waiting to agree, being
// invited), with their agreement, who invited them, when they came, and when
// their account last used a client.
import type { Standing } from '../../onboarding/agreement.ts';
import type { MemberRow } from '../../store/members-store.ts';
import type { MemberProfile } from '../../store/onboarding-store.ts';
import { byCodePoint } from '../../text/order.ts';

export type MemberState = 'removed' | 'left the space' | 'in the community' | 'waiting to agree' | 'being invited';

export interface MemberStanding {
  userId: string;
  state: MemberState;
  agreement: string;
  invitedBy: string | null;
  firstSeenAt: number;
  joinedAt: number | null;
  /** When their account last used a client, as the homeserver told; null when it did not (or could not) say. */
  lastSeenAt: number | null;
  admin: boolean;
  /** Whether the dashboard offers to remove them: present, and not an admin. */
  removable: boolean;
}

export interface MemberStatesInput {
  rows: readonly MemberRow[];
  removed: ReadonlySet<string>;
  profiles: ReadonlyMap<string, MemberProfile>;
  isMember: (userId: string) => boolean;
  isAdmin: (userId: string) => boolean;
  standing: (userId: string) => Standing;
  /** When each account last used a client; empty when the homeserver's admin API is not at hand. */
  lastSeen: ReadonlyMap<string, number>;
}

const AGREEMENT: Readonly<Record<Standing, string>> = {
  'not required': 'no code of conduct',
  agreed: 'agreed',
  'agreed earlier': 'agreed to an earlier text',
  'never agreed': 'not yet',
};

function stateOf(row: MemberRow, removed: boolean, standing: Standing): MemberState {
  if (removed) return 'removed';
  if (row.leftAt !== null) return 'left the space';
  if (row.invitedAt !== null) return 'in the community';
  return standing === 'never agreed' ? 'waiting to agree' : 'being invited';
}

export function memberStates(input: MemberStatesInput): MemberStanding[] {
  return input.rows
    // Removed people are no members (the predicate says so) but stay listed, so the admins see who was removed.
    .filter((row) => input.isMember(row.userId) || input.removed.has(row.userId))
    .map((row) => {
      const standing = input.standing(row.userId);
      const state = stateOf(row, input.removed.has(row.userId), standing);
      const profile = input.profiles.get(row.userId);
      const admin = input.isAdmin(row.userId);
      return {
        userId: row.userId,
        state,
        agreement: AGREEMENT[standing],
        invitedBy: profile?.invitedBy ?? null,
        firstSeenAt: row.firstSeenAt,
        joinedAt: profile?.signedUpAt ?? row.invitedAt,
        lastSeenAt: input.lastSeen.get(row.userId) ?? null,
        admin,
        removable: !admin && state !== 'removed' && state !== 'left the space',
      };
    })
    .sort((a, b) => byCodePoint(a.userId, b.userId));
}
