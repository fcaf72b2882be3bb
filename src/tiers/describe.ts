// What !tier says of a managed room: who can read it, in one or two
// sentences a member can trust. The admin room and the space are invitation
// only, so "members can join" would promise more than they give; encryption
// changes who can read too (not the servers), so it is said either way.
import { audienceOf, type RoomRole, type Tier } from './tier.ts';

export interface DescribedRoom {
  name: string;
  role: RoomRole;
  tier: Tier;
  encrypted: boolean;
}

function whoReads(room: DescribedRoom, serverName: string): string {
  switch (room.role) {
    case 'admin':
      return `"${room.name}" is local and invitation-only: only the admins of ${serverName} are invited to it, and it never leaves ${serverName}.`;
    case 'space':
      return `"${room.name}" is the community space: local and invitation-only. Hearth invites each member of ${serverName} to it, and it never leaves ${serverName}.`;
    default:
      return `"${room.name}" is ${room.tier}. ${audienceOf(room.tier, serverName)}`;
  }
}

function encryption(room: DescribedRoom): string {
  if (room.encrypted) {
    return 'It is end-to-end encrypted: only its members\' devices can read its messages, not the servers that hold it, and members who join later cannot read what was said before they joined.';
  }
  // A public room is readable by anyone anyway; saying it is unencrypted adds nothing there.
  return room.tier === 'public' ? '' : 'It is not end-to-end encrypted: the servers that hold it can read it.';
}

export function describeRoom(room: DescribedRoom, serverName: string): string {
  return [whoReads(room, serverName), encryption(room), 'Anyone who can read it can still copy a post elsewhere by hand.']
    .filter((part) => part !== '')
    .join(' ');
}
