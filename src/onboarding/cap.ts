// The member cap, as arithmetic: members plus open invitations may not pass
// community.max_members. An open invitation holds a place, so creating one
// needs a free place, and signing up with one needs only the place it holds.
import { count } from '../text/plural.ts';

export interface Headcount {
  members: number;
  openInvitations: number;
  max: number;
}

/** Places taken: members and the invitations that may still become members. */
export function placesTaken(headcount: Headcount): number {
  return headcount.members + headcount.openInvitations;
}

/** A new invitation needs a place nobody holds yet. */
export function mayCreateInvitation(headcount: Headcount): boolean {
  return placesTaken(headcount) < headcount.max;
}

/**
 * Signing up turns the invitation's own place into a member: allowed unless
 * the community is over its cap already (the admin lowered it, or created
 * accounts with Synapse's own tools).
 */
export function maySignUp(headcount: Headcount): boolean {
  return placesTaken(headcount) <= headcount.max;
}

/** How many places beyond the cap are taken (0 when within it). */
export function beyondCap(headcount: Headcount): number {
  return Math.max(0, placesTaken(headcount) - headcount.max);
}

/** "50 of 50: 47 members and 3 open invitations". */
export function describeHeadcount(headcount: Headcount): string {
  return `${placesTaken(headcount)} of ${headcount.max}: ${count(headcount.members, 'member')} and ${count(headcount.openInvitations, 'open invitation')}`;
}
