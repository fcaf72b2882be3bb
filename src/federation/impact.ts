// What cutting a server off would cost each member: the accounts on that
// server they share rooms with, and when those accounts were last seen.
// computeImpact is pure; the sources gather the rooms it reads.
import { serverNameOf } from '../matrix/event.ts';
import type { SynapseAdmin } from '../matrix/synapse-admin.ts';
import type { ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { RoomMembersStore } from '../store/room-members-store.ts';
import { globMatches } from '../matrix/server-globs.ts';
import { matchingServers } from './server-names.ts';
import { NAME_MAX, quoted } from '../commands/text.ts';
import { byCodePoint } from '../text/order.ts';

export type Coverage = 'managed' | 'all';

export interface RoomView {
  roomId: string;
  name: string;
  managed: boolean;
  members: readonly string[];
}

export interface Contact {
  userId: string;
  lastSeenAt: number | null;
}

export interface ImpactReport {
  target: string;
  coverage: Coverage;
  /** Known servers the target (a name or a glob) matches. */
  matchedServers: string[];
  members: { member: string; contacts: Contact[] }[];
  /** Managed rooms with accounts of the target among their members. */
  rooms: { roomId: string; name: string; affectedAccounts: number }[];
}

export interface ImpactInput {
  target: string;
  coverage: Coverage;
  rooms: readonly RoomView[];
  isLocalMember: (userId: string) => boolean;
  lastSeen: ReadonlyMap<string, number>;
  knownServers: readonly string[];
  /** Servers (or globs) already cut off: their accounts are no new loss (a compaction covers them again). */
  alreadyCut?: readonly string[];
}

export function computeImpact(input: ImpactInput): ImpactReport {
  const alreadyCut = input.alreadyCut ?? [];
  const affected = (userId: string): boolean => {
    const server = serverNameOf(userId);
    return globMatches(input.target, server) && !alreadyCut.some((glob) => globMatches(glob, server));
  };
  const contactsOf = new Map<string, Set<string>>();
  const rooms: ImpactReport['rooms'] = [];
  for (const room of input.rooms) {
    const cutOff = room.members.filter(affected);
    if (cutOff.length === 0) continue;
    if (room.managed) rooms.push({ roomId: room.roomId, name: room.name, affectedAccounts: cutOff.length });
    for (const member of room.members.filter(input.isLocalMember)) {
      const set = contactsOf.get(member) ?? new Set<string>();
      cutOff.forEach((c) => set.add(c));
      contactsOf.set(member, set);
    }
  }
  const members = [...contactsOf]
    .map(([member, contacts]) => ({
      member,
      contacts: [...contacts].sort().map((userId) => ({ userId, lastSeenAt: input.lastSeen.get(userId) ?? null })),
    }))
    .sort((a, b) => byCodePoint(a.member, b.member));
  const servers = [...input.knownServers, ...input.rooms.flatMap((r) => r.members.map(serverNameOf))];
  const matched = matchingServers(input.target, servers).filter((server) => !alreadyCut.some((glob) => globMatches(glob, server)));
  return { target: input.target, coverage: input.coverage, matchedServers: matched, members, rooms };
}

function when(at: number | null): string {
  return at === null ? 'not seen by Hearth' : `last seen ${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function coverageSentence(coverage: Coverage): string {
  return coverage === 'all'
    ? 'This report covers every room on this server, DMs included (through Synapse\'s admin API).'
    : 'This report covers the rooms Hearth manages only; DMs and other rooms are not included (give Hearth homeserver.admin_token to see them).';
}

export function renderImpact(report: ImpactReport): string {
  const lines = [
    `Impact of cutting off ${report.target}:`,
    report.matchedServers.length > 0 ? `Known servers it matches: ${report.matchedServers.join(', ')}.` : 'It matches no server Hearth has seen yet.',
  ];
  if (report.members.length === 0) lines.push('No member shares a room with its accounts.');
  for (const { member, contacts } of report.members) {
    lines.push(`- ${member} would lose contact with ${contacts.map((c) => `${c.userId} (${when(c.lastSeenAt)})`).join(', ')}`);
  }
  if (report.rooms.length > 0) lines.push(`Managed rooms involved: ${report.rooms.map((r) => `"${quoted(r.name, NAME_MAX)}" (${r.affectedAccounts})`).join(', ')}.`);
  lines.push(coverageSentence(report.coverage));
  return lines.join('\n');
}

export interface ImpactSources {
  rooms: ManagedRoomsStore;
  members: RoomMembersStore;
  admin: SynapseAdmin | null;
}

/** The rooms and memberships the report is computed from: every room with an admin token, else managed rooms. */
export async function gatherRooms(sources: ImpactSources): Promise<{ coverage: Coverage; rooms: RoomView[] }> {
  const managed = (await sources.rooms.all()).filter((r) => r.roomId);
  const names = new Map(managed.map((r) => [r.roomId ?? '', r.name]));
  if (sources.admin) {
    const admin = sources.admin;
    const all = await admin.rooms();
    const rooms = await Promise.all(all.map(async (r) => ({
      roomId: r.roomId,
      name: names.get(r.roomId) ?? r.name ?? 'a room without a name',
      managed: names.has(r.roomId),
      members: await admin.roomMembers(r.roomId),
    })));
    return { coverage: 'all', rooms };
  }
  const joined = await sources.members.joined(managed.map((r) => r.roomId ?? ''));
  return {
    coverage: 'managed',
    rooms: [...joined].map(([roomId, members]) => ({ roomId, name: names.get(roomId) ?? roomId, managed: true, members })),
  };
}
